package io.sidecache.protocol.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A document generated from the code (the configuration and metrics references): a test renders
 * it and checks the checked-in file against it; with {@code -Dsidecache.write-docs=true} it
 * writes the file first, which is how the file is regenerated.
 */
public final class GeneratedDoc {
  private GeneratedDoc() {}

  /**
   * Fails unless {@code file} holds {@code expected} (after writing it, when regenerating).
   *
   * @param file the checked-in document
   * @param expected what the code renders
   * @param regenerate the command that regenerates it, for the failure message
   * @throws IOException if the file cannot be read or written
   */
  public static void check(Path file, String expected, String regenerate) throws IOException {
    if (Boolean.getBoolean("sidecache.write-docs")) {
      Files.writeString(file, expected);
    }
    assertEquals(expected, Files.exists(file) ? Files.readString(file) : "",
        file.getFileName() + " is stale; regenerate it: " + regenerate);
  }
}
