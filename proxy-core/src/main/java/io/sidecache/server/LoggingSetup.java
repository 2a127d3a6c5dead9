package io.sidecache.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.OutputStream;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Configures the one logging backend (Logback, behind SLF4J; Netty and Hazelcast log through
 * SLF4J too) from {@code --log-format} and {@code --log-level}: plain lines or one JSON object per
 * line (Logback's {@link JsonEncoder}), on stderr. Netty and Hazelcast log at {@code WARN} when
 * the level is {@code INFO}, at the level asked for otherwise. Not thread-safe: called once, at start-up.
 */
final class LoggingSetup {
  /** The plain format: time, level, logger, message. */
  static final String PLAIN_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ} %level %logger{0} - %msg%n";

  /** The log formats {@code --log-format} takes. */
  enum Format { PLAIN, JSON }

  private LoggingSetup() {}

  /**
   * Replaces the logging configuration.
   *
   * @param format plain lines or JSON lines
   * @param level the root level: {@code error}, {@code warn}, {@code info}, {@code debug} or
   *     {@code trace}
   * @param out where log lines go, e.g. {@code System.err}
   * @throws IllegalArgumentException if the level is not one of those
   */
  static void configure(Format format, String level, OutputStream out) {
    Level root = Level.toLevel(level.toUpperCase(Locale.ROOT), null);
    if (root == null || root == Level.ALL || root == Level.OFF) {
      throw new IllegalArgumentException(
          "--log-level: " + level + " (expected: error, warn, info, debug or trace)");
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    Encoder<ILoggingEvent> encoder;
    if (format == Format.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      // One object per event: timestamp (ms), level, threadName, loggerName, mdc, the formatted
      // message and throwable; not the template, its arguments or Logback's context.
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      encoder = json;
    } else {
      PatternLayoutEncoder plain = new PatternLayoutEncoder();
      plain.setContext(context);
      plain.setPattern(PLAIN_PATTERN);
      plain.start();
      encoder = plain;
    }
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setName("sidecache");
    appender.setEncoder(encoder);
    // The appender closes its stream when a later configure() stops it: never close stderr.
    appender.setOutputStream(new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws java.io.IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws java.io.IOException {
        flush();
      }
    });
    appender.start();
    Logger rootLogger = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLogger.setLevel(root);
    rootLogger.addAppender(appender);
    // Libraries: WARN at info, the root's level when it is stricter or finer.
    Level libraries = root == Level.INFO ? Level.WARN : root;
    context.getLogger("io.netty").setLevel(libraries);
    context.getLogger("com.hazelcast").setLevel(libraries);
  }
}
