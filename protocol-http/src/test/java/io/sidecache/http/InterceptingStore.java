package io.sidecache.http;

import io.sidecache.store.CacheStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Wraps a real store and changes how its stages complete: {@link Mode#DEFERRED} holds each result
 * until {@link #completeNext()}, as a disk tier or a peer would; {@link Mode#FAIL} completes
 * exceptionally; {@link Mode#THROW} throws from the call. A dynamic proxy, so it follows the
 * {@link CacheStore} interface as that grows.
 */
final class InterceptingStore implements InvocationHandler {
  enum Mode { DIRECT, DEFERRED, FAIL, THROW }

  private final CacheStore delegate;
  private final RuntimeException failure;
  private final Queue<Runnable> held = new ArrayDeque<>();
  final CacheStore store;
  Mode mode = Mode.DIRECT;

  InterceptingStore(CacheStore delegate, RuntimeException failure) {
    this.delegate = delegate;
    this.failure = failure;
    this.store =
        (CacheStore)
            Proxy.newProxyInstance(
                CacheStore.class.getClassLoader(), new Class<?>[] {CacheStore.class}, this);
  }

  /** Completes the oldest held stage, on the calling thread. */
  void completeNext() {
    Runnable r = held.poll();
    if (r == null) {
      throw new IllegalStateException("no held stage");
    }
    r.run();
  }

  /** Returns the number of held stages. */
  int heldCount() {
    return held.size();
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      return method.invoke(this, args);
    }
    if (!CompletionStage.class.isAssignableFrom(method.getReturnType())) {
      try {
        return method.invoke(delegate, args); // not a store operation (stats, thresholds)
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
    switch (mode) {
      case FAIL:
        return CompletableFuture.failedFuture(failure);
      case THROW:
        throw failure;
      case DEFERRED:
        CompletableFuture<Object> result = call(method, args).toCompletableFuture();
        CompletableFuture<Object> later = new CompletableFuture<>();
        held.add(
            () ->
                result.whenComplete(
                    (v, t) -> {
                      if (t != null) {
                        later.completeExceptionally(t);
                      } else {
                        later.complete(v);
                      }
                    }));
        return later;
      default:
        return call(method, args);
    }
  }

  @SuppressWarnings("unchecked")
  private CompletionStage<Object> call(Method method, Object[] args) throws Throwable {
    try {
      return (CompletionStage<Object>) method.invoke(delegate, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
