package io.sidecache.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CommandGateTest {
  private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
  private final List<EventExecutor> loops = new ArrayList<>();
  private final CommandGate gate;

  CommandGateTest() {
    group.forEach(loops::add);
    gate = new CommandGate(loops);
  }

  @AfterEach
  void shutdown() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void runExclusive_closesGateUntilSectionStageCompletes() throws Exception {
    CompletableFuture<String> sectionStage = new CompletableFuture<>();
    AtomicBoolean openInside = new AtomicBoolean(true);
    CompletableFuture<String> result = gate.runExclusive(loops.get(0), () -> {
      openInside.set(gate.isOpen());
      return sectionStage;
    }).toCompletableFuture();
    CountDownLatch resumed = new CountDownLatch(1);
    AtomicBoolean held = new AtomicBoolean();
    // A command arriving on the other loop while the section is pending is held, then resumed.
    loops.get(1).submit(() -> {
      while (gate.isOpen()) {
        Thread.onSpinWait();
      }
      held.set(gate.holdIfClosed(loops.get(1), resumed::countDown));
    }).sync();
    assertTrue(held.get());
    assertFalse(resumed.await(50, TimeUnit.MILLISECONDS), "resumed while the section runs");
    sectionStage.complete("done");
    assertEquals("done", result.get(5, TimeUnit.SECONDS));
    assertTrue(resumed.await(5, TimeUnit.SECONDS));
    assertFalse(openInside.get());
    assertTrue(gate.isOpen());
    assertFalse(gate.holdIfClosed(loops.get(1), () -> { }));
  }

  @Test
  void runExclusive_sectionsNeverOverlapAndAllRun() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int n = i;
      EventLoop loop = group.next();
      CompletableFuture<CompletableFuture<Integer>> submitted = new CompletableFuture<>();
      loop.execute(() -> submitted.complete(gate.runExclusive(loop, () -> {
        if (inside.incrementAndGet() != 1) {
          overlaps.incrementAndGet();
        }
        CompletableFuture<Integer> later = new CompletableFuture<>();
        // Complete from another thread, sometimes later, so that sections queue up.
        loops.get(n % 2).execute(() -> {
          inside.decrementAndGet();
          later.complete(n);
        });
        return later;
      }).toCompletableFuture()));
      results.add(submitted.get(5, TimeUnit.SECONDS));
    }
    for (int i = 0; i < results.size(); i++) {
      assertEquals(i, results.get(i).get(5, TimeUnit.SECONDS));
    }
    assertEquals(0, overlaps.get());
    assertTrue(gate.isOpen());
  }

  @Test
  void runExclusive_waitsForStagesInFlight() throws Exception {
    gate.stageStarted();
    AtomicBoolean ran = new AtomicBoolean();
    CompletableFuture<String> result = gate.runExclusive(loops.get(0), () -> {
      ran.set(true);
      return CompletableFuture.completedFuture("ran");
    }).toCompletableFuture();
    // Both loops pass the barrier, but a stage (a disk read, say) is still in flight.
    loops.get(0).submit(() -> { }).sync();
    loops.get(1).submit(() -> { }).sync();
    assertFalse(gate.isOpen());
    Thread.sleep(50);
    assertFalse(ran.get(), "section ran while a stage was in flight");
    gate.stageCompleted();
    assertEquals("ran", result.get(5, TimeUnit.SECONDS));
    assertTrue(gate.isOpen());
  }

  @Test
  void runExclusive_throwingSectionFailsItsStageAndOpensGate() throws Exception {
    CompletableFuture<Object> result = gate.runExclusive(loops.get(0), () -> {
      throw new IllegalStateException("boom");
    }).toCompletableFuture();
    assertTrue(result.handle((v, e) -> e).get(5, TimeUnit.SECONDS)
        instanceof IllegalStateException);
    assertTrue(gate.isOpen());
  }

  /**
   * A section's result, and every stage made from it, is known as one: a command awaiting it
   * does not report it as a store stage in flight, even if it awaits before the gate closed for
   * it (a section queued behind another); counted, it would make the section ahead wait for it
   * and the gate would never open again.
   */
  @Test
  void sectionResults_andStagesMadeFromThem_areKnown() throws Exception {
    CommandGate gate = new CommandGate(loops);
    CompletableFuture<String> body = new CompletableFuture<>();
    CompletableFuture<CompletionStage<String>> submitted = new CompletableFuture<>();
    EventLoop loop = group.next();
    loop.execute(() -> submitted.complete(gate.runExclusive(loop, () -> body)));
    CompletionStage<String> result = submitted.get(5, TimeUnit.SECONDS);
    assertTrue(CommandGate.isSectionResult(result));
    assertTrue(CommandGate.isSectionResult(result.thenApply(String::length)));
    assertTrue(CommandGate.isSectionResult(result.toCompletableFuture().whenCompleteAsync(
        (v, t) -> { }, loop)));
    assertFalse(CommandGate.isSectionResult(body));
    body.complete("done");
    assertEquals("done", result.toCompletableFuture().get(5, TimeUnit.SECONDS));
  }
}
