package io.sidecache.protocol;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the commands of one protocol by name and result, with their latency, and exposes the
 * counts to Micrometer. Redis {@code INFO commandstats} and memcached {@code stats} read the same
 * counters, so what an operator scrapes and what a client sees agree.
 *
 * <p>Each command has a {@link Meter} of plain {@link LongAdder}s that the hot path updates (two
 * adds per command); Micrometer reads them through function meters:
 *
 * <ul>
 *   <li>{@code sidecache.commands} (timer; tags {@code protocol}, {@code command}, {@code result}
 *       = {@code ok} or {@code error}): calls and total time from arrival to reply, in
 *       nanoseconds;
 *   <li>{@code sidecache.commands.rejected} (counter; tags {@code protocol}, {@code command}):
 *       requests refused before running (arity, authentication).
 * </ul>
 *
 * <p>Each meter also keeps a latency histogram ({@link Meter#latencyCounts()}, bounds {@link
 * #LATENCY_BOUNDS_SECONDS}): one more add per command, into a bucket found with a shift, for
 * Prometheus histograms ({@code histogram_quantile}) that Micrometer's function meters cannot
 * carry; the server exposes it as {@code sidecache_command_latency_seconds}.
 *
 * <p>Tags never carry keys. Thread-safe.
 */
public final class CommandMetrics {
  /** The timer's name. */
  public static final String COMMANDS = "sidecache.commands";
  /** The rejected counter's name. */
  public static final String REJECTED = "sidecache.commands.rejected";

  /** Smallest latency bucket bound: 2^13 ns (8.192 µs); each next bound doubles. */
  private static final int FIRST_BOUND_SHIFT = 13;

  /** Latency bucket bounds: 2^13 ns to 2^33 ns (8.6 s), doubling, then +Inf. */
  private static final int LATENCY_BUCKETS = 22;

  /**
   * The upper bounds of the latency buckets in seconds, inclusive, ascending; the last is {@link
   * Double#POSITIVE_INFINITY}. A shared array: do not modify.
   */
  public static final double[] LATENCY_BOUNDS_SECONDS = latencyBounds();

  private final MeterRegistry registry;
  private final String protocol;
  private final Map<String, Meter> meters = new ConcurrentHashMap<>();

  /**
   * Creates the counters of one protocol.
   *
   * @param registry where the meters are registered, must not be {@code null}
   * @param protocol the {@code protocol} tag: {@code resp}, {@code memcached}, {@code http}
   */
  public CommandMetrics(MeterRegistry registry, String protocol) {
    this.registry = registry;
    this.protocol = protocol;
  }

  /** Returns counters registered nowhere but a private registry; for tests and embedding. */
  public static CommandMetrics unregistered(String protocol) {
    return new CommandMetrics(new SimpleMeterRegistry(), protocol);
  }

  /**
   * Returns the meter of a command, registering it on first use. Callers keep the returned meter
   * (per command table entry) rather than looking it up per request.
   *
   * @param command the command name as reported ({@code get}, {@code client|list})
   * @return the meter, never {@code null}
   */
  public Meter meter(String command) {
    return meters.computeIfAbsent(command, this::register);
  }

  /** Returns every meter created so far, for {@code INFO commandstats}. */
  public Collection<Meter> meters() {
    return Collections.unmodifiableCollection(meters.values());
  }

  /** Returns the protocol tag of these meters. */
  public String protocol() {
    return protocol;
  }

  private static double[] latencyBounds() {
    double[] bounds = new double[LATENCY_BUCKETS];
    for (int i = 0; i < LATENCY_BUCKETS - 1; i++) {
      bounds[i] = (1L << (FIRST_BOUND_SHIFT + i)) / 1e9;
    }
    bounds[LATENCY_BUCKETS - 1] = Double.POSITIVE_INFINITY;
    return bounds;
  }

  /** The bucket of a latency: the first whose bound is at least {@code nanos}. */
  static int latencyBucket(long nanos) {
    if (nanos <= 1L << FIRST_BOUND_SHIFT) {
      return 0;
    }
    int bucket = 64 - Long.numberOfLeadingZeros(nanos - 1) - FIRST_BOUND_SHIFT;
    return Math.min(bucket, LATENCY_BUCKETS - 1);
  }

  /** Resets every counter to zero (Redis {@code CONFIG RESETSTAT}, memcached {@code stats reset}). */
  public void reset() {
    meters.values().forEach(Meter::reset);
  }

  private Meter register(String command) {
    Meter m = new Meter(command);
    timer(m, "ok", m.ok, m.okNanos);
    timer(m, "error", m.failed, m.failedNanos);
    FunctionCounter.builder(REJECTED, m.rejected, LongAdder::sum)
        .tags("protocol", protocol, "command", command)
        .description("Requests refused before running")
        .register(registry);
    return m;
  }

  private void timer(Meter m, String result, LongAdder count, LongAdder nanos) {
    FunctionTimer.builder(COMMANDS, m, x -> count.sum(), x -> nanos.sum(), TimeUnit.NANOSECONDS)
        .tags("protocol", protocol, "command", m.command, "result", result)
        .description("Commands run, by result, and their time from arrival to reply")
        .register(registry);
  }

  /** The counters of one command. Thread-safe. */
  public static final class Meter {
    private final String command;
    private final LongAdder ok = new LongAdder();
    private final LongAdder okNanos = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder failedNanos = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder[] latency = new LongAdder[LATENCY_BUCKETS];

    private Meter(String command) {
      this.command = command;
      for (int i = 0; i < latency.length; i++) {
        latency[i] = new LongAdder();
      }
    }

    /**
     * Records one run.
     *
     * @param nanos the time from arrival to reply, in nanoseconds
     * @param error whether it was answered with an error
     */
    public void record(long nanos, boolean error) {
      latency[latencyBucket(nanos)].increment();
      if (error) {
        failed.increment();
        failedNanos.add(nanos);
      } else {
        ok.increment();
        okNanos.add(nanos);
      }
    }

    /** Records a request refused before running. */
    public void reject() {
      rejected.increment();
    }

    /** Returns the command name. */
    public String command() {
      return command;
    }

    /** Returns the runs, successful or not. */
    public long calls() {
      return ok.sum() + failed.sum();
    }

    /** Returns the runs answered with an error. */
    public long failures() {
      return failed.sum();
    }

    /** Returns the requests refused before running. */
    public long rejections() {
      return rejected.sum();
    }

    /**
     * Returns how many runs fell in each latency bucket (not cumulative), index by index with
     * {@link #LATENCY_BOUNDS_SECONDS}. Read bucket by bucket while runs are recorded, so the sum
     * may differ from {@link #calls()} by the runs recorded meanwhile.
     *
     * @return a new array
     */
    public long[] latencyCounts() {
      long[] counts = new long[latency.length];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = latency[i].sum();
      }
      return counts;
    }

    /** Returns the total time of all runs, in nanoseconds. */
    public long totalNanos() {
      return okNanos.sum() + failedNanos.sum();
    }

    private void reset() {
      ok.reset();
      okNanos.reset();
      failed.reset();
      failedNanos.reset();
      rejected.reset();
      for (LongAdder bucket : latency) {
        bucket.reset();
      }
    }
  }
}
