package io.sidecache.protocol;

import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs a section of work with no other client's command in between, on this node, without
 * blocking any event loop: what Redis's single thread gives {@code EXEC}, {@code MSETNX} and
 * {@code RENAME} for free.
 *
 * <p>{@link #runExclusive} closes the gate, then sends a barrier task to every event loop. A loop
 * runs the barrier between two tasks, so every command it had started has finished its
 * synchronous part by then, and every command after it sees the gate closed: {@link
 * PipelinedRequestHandler} holds such commands in its backlog (reading paused) and resumes them
 * when the gate opens. When all loops have passed the barrier the section runs on the caller's
 * loop; sections queued meanwhile run one after another before the gate opens again.
 *
 * <p>Commands whose store stage is still incomplete when the gate closes (a disk read, a
 * forwarded request) are waited for as well: handlers report each incomplete stage they start
 * while the gate is open through {@link #stageStarted()} and {@link #stageCompleted()}, and the
 * first section runs only once every loop has passed the barrier <em>and</em> no reported stage
 * is in flight. A handler checks and reports within one event-loop task, so every report made
 * before the gate closed is counted by the time that loop runs its barrier. Stages started while
 * the gate is closed (the section's own, and the stage of the request that asked for it) are not
 * reported, nor is a section's result ever ({@link #isSectionResult}): a command whose section
 * queued behind another one may await it before any thread closed the gate for it, and counting
 * it would make the section ahead wait for the one behind it, for ever. So a section is isolated from every other command whatever store is behind the
 * handlers.
 *
 * <p>The cost of a section is two hops between event loops; a command on the normal path pays
 * one volatile read. Thread-safe.
 */
public final class CommandGate {
  private final List<? extends EventExecutor> loops;
  private final Queue<Section<?>> sections = new ConcurrentLinkedQueue<>();
  private final Queue<Runnable> waiters = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean active = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  // Set when the barrier has passed every loop but stages are in flight: what runs once they end.
  private final AtomicReference<Runnable> whenDrained = new AtomicReference<>();
  private volatile boolean closed;

  /**
   * Creates a gate over the event loops that run commands.
   *
   * @param loops every event loop whose handlers consult this gate, must not be {@code null}
   */
  public CommandGate(List<? extends EventExecutor> loops) {
    this.loops = List.copyOf(loops);
  }

  /** Returns whether commands may run now; {@code false} while a section is pending or running. */
  public boolean isOpen() {
    return !closed;
  }

  /**
   * Holds a caller until the gate opens: when it is closed, {@code resume} is scheduled on {@code
   * executor} once it opens and {@code true} is returned; when it is open, nothing is scheduled.
   *
   * @param executor the caller's event loop, must not be {@code null}
   * @param resume the continuation, run once on {@code executor}
   * @return {@code true} when the caller must wait for {@code resume}
   */
  public boolean holdIfClosed(EventExecutor executor, Runnable resume) {
    if (!closed) {
      return false;
    }
    waiters.add(() -> executor.execute(resume));
    if (!closed) {
      // Opened between the check and the registration: release what is registered.
      releaseWaiters();
    }
    return true;
  }

  /**
   * Reports that a command is waiting for an incomplete store stage; a section does not start
   * until {@link #stageCompleted()} has been called as often. Thread-safe; any thread.
   */
  public void stageStarted() {
    inFlight.incrementAndGet();
  }

  /**
   * Reports that a stage reported by {@link #stageStarted()} completed (its store operation has
   * taken effect). Thread-safe; any thread, e.g. the store's.
   */
  public void stageCompleted() {
    if (inFlight.decrementAndGet() == 0) {
      Runnable r = whenDrained.getAndSet(null);
      if (r != null) {
        r.run();
      }
    }
  }

  /** Runs {@code action} now when no stage is in flight, else when the last one completes. */
  private void whenNoStageInFlight(Runnable action) {
    whenDrained.set(action);
    if (inFlight.get() == 0 && whenDrained.compareAndSet(action, null)) {
      action.run();
    }
  }

  /**
   * Runs {@code section} on {@code executor} once every event loop has paused its commands; the
   * gate stays closed until the stage the section returns completes.
   *
   * @param executor the caller's event loop, where the section runs, must not be {@code null}
   * @param section the work; runs once and returns its stage, must not be {@code null}
   * @param <T> the result type
   * @return a stage completed like the section's stage (or failed with what the section threw),
   *     after which other commands may run again
   */
  public <T> CompletionStage<T> runExclusive(
      EventExecutor executor, Supplier<? extends CompletionStage<T>> section) {
    Section<T> s = new Section<>(executor, section);
    sections.add(s);
    if (active.compareAndSet(false, true)) {
      closeAndStart();
    }
    return s.result;
  }

  private void closeAndStart() {
    closed = true;
    AtomicInteger pending = new AtomicInteger(loops.size());
    Runnable barrier =
        () -> {
          if (pending.decrementAndGet() == 0) {
            whenNoStageInFlight(this::runNext);
          }
        };
    if (loops.isEmpty()) {
      whenNoStageInFlight(this::runNext);
      return;
    }
    for (EventExecutor loop : loops) {
      loop.execute(barrier);
    }
  }

  private void runNext() {
    Section<?> next = sections.poll();
    if (next != null) {
      next.executor.execute(() -> next.run(this::runNext));
      return;
    }
    closed = false;
    active.set(false);
    releaseWaiters();
    if (!sections.isEmpty() && active.compareAndSet(false, true)) {
      closeAndStart();
    }
  }

  private void releaseWaiters() {
    Runnable w;
    while ((w = waiters.poll()) != null) {
      w.run();
    }
  }

  /**
   * Tells whether a stage is (or derives from) the result of a section: a command awaiting it
   * must not report it with {@link #stageStarted()}, even while the gate still looks open (a
   * section queued behind another one returns before any thread has closed the gate for it), or
   * the section it waits for would wait for it.
   *
   * @param stage a stage a command awaits
   * @return {@code true} for a section's result and the stages made from it
   */
  public static boolean isSectionResult(CompletionStage<?> stage) {
    return stage instanceof SectionResult;
  }

  /** A section's result; the stages made from it are too. */
  private static final class SectionResult<T> extends CompletableFuture<T> {
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new SectionResult<>();
    }
  }

  private static final class Section<T> {
    final EventExecutor executor;
    final Supplier<? extends CompletionStage<T>> body;
    final CompletableFuture<T> result = new SectionResult<>();

    Section(EventExecutor executor, Supplier<? extends CompletionStage<T>> body) {
      this.executor = executor;
      this.body = body;
    }

    void run(Runnable then) {
      CompletionStage<T> stage;
      try {
        stage = body.get();
      } catch (Throwable t) {
        stage = CompletableFuture.failedFuture(t);
      }
      stage.whenComplete(
          (value, cause) -> {
            then.run();
            if (cause != null) {
              result.completeExceptionally(cause);
            } else {
              result.complete(value);
            }
          });
    }
  }
}
