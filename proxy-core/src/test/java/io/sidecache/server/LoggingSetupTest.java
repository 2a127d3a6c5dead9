package io.sidecache.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingSetupTest {

  @AfterEach
  void restore() {
    LoggingSetup.configure(LoggingSetup.Format.PLAIN, "info", System.err);
  }

  @Test
  void json_oneObjectPerLine_formattedMessage() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoggingSetup.configure(LoggingSetup.Format.JSON, "info", out);
    LoggerFactory.getLogger("io.sidecache.test").info("RESP listening on {}:{}", "127.0.0.1", 6379);
    LoggerFactory.getLogger("io.sidecache.test").debug("not at info");
    LoggerFactory.getLogger("io.netty.test").info("libraries stay at warn");
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(1, lines.length, out.toString(StandardCharsets.UTF_8));
    JsonNode event = new ObjectMapper().readTree(lines[0]);
    assertEquals("INFO", event.get("level").asText());
    assertEquals("io.sidecache.test", event.get("loggerName").asText());
    assertEquals("RESP listening on 127.0.0.1:6379", event.get("formattedMessage").asText());
    assertTrue(event.get("timestamp").asLong() > 0);
  }

  @Test
  void plain_patternAndLevel() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoggingSetup.configure(LoggingSetup.Format.PLAIN, "debug", out);
    LoggerFactory.getLogger("io.sidecache.server.Sidecache").debug("shown at {}", "debug");
    String line = out.toString(StandardCharsets.UTF_8);
    assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+[+-]\\d{4} DEBUG Sidecache - shown at"
        + " debug\n"), line);
    out.reset();
    LoggingSetup.configure(LoggingSetup.Format.PLAIN, "error", out);
    LoggerFactory.getLogger("io.netty.test").warn("a library warning, below error");
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertThrows(IllegalArgumentException.class,
        () -> LoggingSetup.configure(LoggingSetup.Format.PLAIN, "loud", out));
  }
}
