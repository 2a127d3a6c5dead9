package io.sidecache.resp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The coverage table in docs/protocol-resp.md lists every command of the table. */
class RespCommandsDocTest {

  @Test
  void docs_listEveryCommand() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "protocol-resp.md"));
    for (RespCommand c : RespCommands.standard().all()) {
      String name = c.name().toUpperCase(Locale.ROOT);
      assertTrue(doc.contains("`" + name), "docs/protocol-resp.md misses " + name);
      for (RespCommand sub : c.subcommands()) {
        assertTrue(doc.contains(sub.name().toUpperCase(Locale.ROOT)),
            "docs/protocol-resp.md misses " + name + " " + sub.name().toUpperCase(Locale.ROOT));
      }
    }
  }
}
