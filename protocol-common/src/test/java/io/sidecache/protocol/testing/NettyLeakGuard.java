package io.sidecache.protocol.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.InternalLogLevel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty logged a buffer leak ({@code LEAK:} from {@code
 * ResourceLeakDetector}) or a double release (an {@link IllegalReferenceCountException}, e.g.
 * "Failed to release a message" from {@code ReferenceCountUtil}) while it ran: both are bugs even
 * when every assertion passed, and paranoid leak detection (the test JVMs' {@code
 * -Dio.netty.leakDetection.level=paranoid}) only logs them.
 *
 * <p>Registered for every test class of a module through JUnit's extension auto-detection
 * ({@code META-INF/services} in this test-jar, {@code junit.jupiter.extensions.autodetection
 * .enabled} in the parent pom). Loading it installs a logger factory in front of Netty's default,
 * before any test touches Netty, so every Netty logger created afterwards reports here. After each
 * class it collects garbage and allocates once, because the detector reports a leaked buffer only
 * when a later allocation finds it collected; a leak found then may belong to an earlier class of
 * the same JVM, which the message says.
 *
 * <p>Thread-safe: Netty logs from its event loops while tests run.
 */
public final class NettyLeakGuard implements AfterAllCallback {
  private static final List<String> PROBLEMS = new ArrayList<>();

  static {
    InternalLoggerFactory delegate = InternalLoggerFactory.getDefaultFactory();
    Method newInstance;
    try {
      // Protected in InternalLoggerFactory; the default factory is Netty's own choice (SLF4J when
      // present), kept as the delegate.
      newInstance = InternalLoggerFactory.class.getDeclaredMethod("newInstance", String.class);
      newInstance.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
    InternalLoggerFactory.setDefaultFactory(new InternalLoggerFactory() {
      @Override
      protected InternalLogger newInstance(String name) {
        try {
          return new GuardedLogger((InternalLogger) newInstance.invoke(delegate, name));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("cannot create Netty's logger " + name, e);
        }
      }
    });
  }

  /** Creates the extension; JUnit's auto-detection does. */
  public NettyLeakGuard() {}

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    for (int i = 0; i < 2; i++) {
      System.gc();
      Thread.sleep(20);
      ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(1);
      probe.release();
    }
    List<String> found;
    synchronized (PROBLEMS) {
      found = new ArrayList<>(PROBLEMS);
      PROBLEMS.clear();
    }
    if (!found.isEmpty()) {
      throw new AssertionError("Netty reported " + found.size() + " buffer leak(s) or double"
          + " release(s) during or before " + context.getDisplayName() + ":\n"
          + String.join("\n", found));
    }
  }

  private static void check(String loggerName, String message, Throwable t) {
    boolean leak = message != null && message.contains("LEAK:");
    boolean doubleRelease = false;
    for (Throwable c = t; c != null && !doubleRelease; c = c.getCause()) {
      doubleRelease = c instanceof IllegalReferenceCountException;
    }
    if (leak || doubleRelease) {
      String text = loggerName + ": " + message + (t == null ? "" : " (" + t + ")");
      synchronized (PROBLEMS) {
        PROBLEMS.add(text.length() > 2000 ? text.substring(0, 2000) + "..." : text);
      }
    }
  }

  /** Passes every call on; looks at warnings and errors for leaks and double releases. */
  private static final class GuardedLogger extends AbstractInternalLogger {
    private static final long serialVersionUID = 1L;
    private final InternalLogger delegate;

    GuardedLogger(InternalLogger delegate) {
      super(delegate.name());
      this.delegate = delegate;
    }

    private void seen(InternalLogLevel level, String format, Object[] args) {
      if (level == InternalLogLevel.WARN || level == InternalLogLevel.ERROR) {
        Throwable t = args.length > 0 && args[args.length - 1] instanceof Throwable
            ? (Throwable) args[args.length - 1] : null;
        StringBuilder text = new StringBuilder(String.valueOf(format));
        for (Object a : args) {
          text.append(' ').append(a);
        }
        check(name(), text.toString(), t);
      }
    }

    @Override public boolean isTraceEnabled() { return delegate.isTraceEnabled(); }
    @Override public void trace(String msg) { delegate.trace(msg); }
    @Override public void trace(String format, Object arg) { delegate.trace(format, arg); }
    @Override public void trace(String format, Object a, Object b) { delegate.trace(format, a, b); }
    @Override public void trace(String format, Object... args) { delegate.trace(format, args); }
    @Override public void trace(String msg, Throwable t) { delegate.trace(msg, t); }
    @Override public boolean isDebugEnabled() { return delegate.isDebugEnabled(); }
    @Override public void debug(String msg) { delegate.debug(msg); }
    @Override public void debug(String format, Object arg) { delegate.debug(format, arg); }
    @Override public void debug(String format, Object a, Object b) { delegate.debug(format, a, b); }
    @Override public void debug(String format, Object... args) { delegate.debug(format, args); }
    @Override public void debug(String msg, Throwable t) { delegate.debug(msg, t); }
    @Override public boolean isInfoEnabled() { return delegate.isInfoEnabled(); }
    @Override public void info(String msg) { delegate.info(msg); }
    @Override public void info(String format, Object arg) { delegate.info(format, arg); }
    @Override public void info(String format, Object a, Object b) { delegate.info(format, a, b); }
    @Override public void info(String format, Object... args) { delegate.info(format, args); }
    @Override public void info(String msg, Throwable t) { delegate.info(msg, t); }
    @Override public boolean isWarnEnabled() { return true; }

    @Override
    public void warn(String msg) {
      seen(InternalLogLevel.WARN, msg, new Object[0]);
      delegate.warn(msg);
    }

    @Override
    public void warn(String format, Object arg) {
      seen(InternalLogLevel.WARN, format, new Object[] {arg});
      delegate.warn(format, arg);
    }

    @Override
    public void warn(String format, Object a, Object b) {
      seen(InternalLogLevel.WARN, format, new Object[] {a, b});
      delegate.warn(format, a, b);
    }

    @Override
    public void warn(String format, Object... args) {
      seen(InternalLogLevel.WARN, format, args);
      delegate.warn(format, args);
    }

    @Override
    public void warn(String msg, Throwable t) {
      seen(InternalLogLevel.WARN, msg, new Object[] {t});
      delegate.warn(msg, t);
    }

    @Override public boolean isErrorEnabled() { return true; }

    @Override
    public void error(String msg) {
      seen(InternalLogLevel.ERROR, msg, new Object[0]);
      delegate.error(msg);
    }

    @Override
    public void error(String format, Object arg) {
      seen(InternalLogLevel.ERROR, format, new Object[] {arg});
      delegate.error(format, arg);
    }

    @Override
    public void error(String format, Object a, Object b) {
      seen(InternalLogLevel.ERROR, format, new Object[] {a, b});
      delegate.error(format, a, b);
    }

    @Override
    public void error(String format, Object... args) {
      seen(InternalLogLevel.ERROR, format, args);
      delegate.error(format, args);
    }

    @Override
    public void error(String msg, Throwable t) {
      seen(InternalLogLevel.ERROR, msg, new Object[] {t});
      delegate.error(msg, t);
    }
  }
}
