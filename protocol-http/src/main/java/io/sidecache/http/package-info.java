/**
 * The HTTP/1.1 endpoint: {@code /cache/{key}} ({@code GET} with single {@code Range}, {@code
 * HEAD}, {@code PUT}, {@code DELETE}) and {@code /health}, over the shared {@link
 * io.sidecache.store.CacheStore}.
 *
 * <p>{@link io.sidecache.http.HttpServerInitializer} builds a connection's pipeline; {@link
 * io.sidecache.http.HttpServerHandler} documents the resources, status codes and the RFC rules
 * they follow.
 */
package io.sidecache.http;
