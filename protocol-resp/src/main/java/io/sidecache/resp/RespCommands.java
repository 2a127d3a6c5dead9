package io.sidecache.resp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The RESP command table: looks commands up by name bytes without case and without allocating,
 * and lists them for {@code COMMAND} and the docs. Immutable and thread-safe.
 */
public final class RespCommands {
  private final List<RespCommand> commands;
  private final RespCommand[] slots;
  private final int mask;

  /**
   * Builds a table.
   *
   * @param commands the commands; names must be unique
   * @throws IllegalArgumentException on a duplicate name
   */
  public RespCommands(List<RespCommand> commands) {
    this.commands = Collections.unmodifiableList(new ArrayList<>(commands));
    int size = Integer.highestOneBit(Math.max(4, commands.size() * 4) - 1) << 1;
    this.slots = new RespCommand[size];
    this.mask = size - 1;
    for (RespCommand c : commands) {
      int i = hash(c.upperName()) & mask;
      while (slots[i] != null) {
        if (slots[i].nameEqualsIgnoreCase(c.upperName())) {
          throw new IllegalArgumentException("duplicate command: " + c.name());
        }
        i = (i + 1) & mask;
      }
      slots[i] = c;
    }
  }

  /** Returns the table of every command Sidecache implements. */
  public static RespCommands standard() {
    List<RespCommand> all = new ArrayList<>();
    all.addAll(StringCommands.commands());
    all.addAll(BitCommands.commands());
    all.addAll(KeyCommands.commands());
    all.addAll(ConnectionCommands.commands());
    all.addAll(ServerCommands.commands());
    all.addAll(TransactionCommands.commands());
    all.addAll(PubSubCommands.commands());
    return new RespCommands(all);
  }

  private static int hash(byte[] name) {
    int h = 0;
    for (byte b : name) {
      h = 31 * h + RespCommand.toUpper(b);
    }
    return h ^ (h >>> 16);
  }

  /**
   * Finds a command.
   *
   * @param name the command name as sent, any case
   * @return the command, or {@code null} when unknown
   */
  public RespCommand lookup(byte[] name) {
    int i = hash(name) & mask;
    RespCommand c;
    while ((c = slots[i]) != null) {
      if (c.nameEqualsIgnoreCase(name)) {
        return c;
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  /** Returns every command, in definition order. */
  public List<RespCommand> all() {
    return commands;
  }
}
