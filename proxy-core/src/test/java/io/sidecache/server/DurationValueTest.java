package io.sidecache.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationValueTest {
  @Test
  void unitsAndPlainSeconds() {
    assertEquals(Duration.ofSeconds(30), DurationValue.parse("30s"));
    assertEquals(Duration.ofMillis(500), DurationValue.parse("500ms"));
    assertEquals(Duration.ofMinutes(2), DurationValue.parse("2M"));
    assertEquals(Duration.ofHours(1), DurationValue.parse(" 1h "));
    assertEquals(Duration.ofSeconds(5), DurationValue.parse("5"));
  }

  @Test
  void badValuesRefused() {
    for (String bad : new String[] {"", "0", "-1s", "1x", "s", "1.5s", "9223372036854775807h"}) {
      assertThrows(TypeConversionException.class, () -> DurationValue.parse(bad), bad);
    }
  }
}
