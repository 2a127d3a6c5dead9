/**
 * The HTTP/1.1 endpoint: {@code /cache/{key}} ({@code GET} with validators and {@code Range},
 * single or {@code multipart/byteranges}, {@code HEAD}, {@code PUT} with TTLs and preconditions,
 * {@code DELETE}) and the operations endpoints {@code /health}, {@code /ready}, {@code /metrics}
 * and {@code /stats}, over the shared {@link io.sidecache.store.CacheStore}.
 *
 * <p>{@link io.sidecache.http.HttpServerInitializer} builds a connection's pipeline from an
 * {@link io.sidecache.http.HttpServerContext}; {@link io.sidecache.http.HttpServerHandler}
 * documents the resources, status codes and the RFC rules they follow.
 */
package io.sidecache.http;
