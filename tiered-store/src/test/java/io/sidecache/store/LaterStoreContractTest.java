package io.sidecache.store;

import io.sidecache.store.memory.MemoryStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@link CacheStoreContract} on the memory tier seen through a proxy whose stages complete a
 * little later on another thread, as a disk read or a forwarded request does: callers that assume
 * inline completion fail here.
 */
class LaterStoreContractTest extends CacheStoreContract {
  private static final Executor LATER = CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS);

  @Override
  protected CacheStore newStore(Ticker ticker) {
    return later(MemoryStore.builder().maximumBytes(1 << 20).ticker(ticker)
        .executor(Runnable::run).build());
  }

  /**
   * Returns {@code store} seen through a proxy whose stages complete 1 ms later on another
   * thread; other methods go straight through.
   */
  static CacheStore later(CacheStore memory) {
    return (CacheStore) Proxy.newProxyInstance(CacheStore.class.getClassLoader(),
        new Class<?>[] {CacheStore.class}, (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(memory, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (!(result instanceof CompletionStage<?> stage)) {
            return result;
          }
          CompletableFuture<Object> later = new CompletableFuture<>();
          stage.whenComplete((v, t) -> LATER.execute(() -> {
            if (t != null) {
              later.completeExceptionally(t);
            } else {
              later.complete(v);
            }
          }));
          return later;
        });
  }
}
