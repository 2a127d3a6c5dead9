package io.sidecache.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One entry of the RESP command table: the name, the arity and key positions that the dispatcher
 * checks before the body runs, the flags and ACL categories reported by {@code COMMAND INFO}, the
 * documentation reported by {@code COMMAND DOCS}, and the body. A container command ({@code
 * CLIENT}, {@code COMMAND}) has subcommands instead of a body.
 *
 * <p>Arity follows Redis 7: a positive arity is the exact argument count including the command
 * name, a negative one the minimum. Immutable and thread-safe.
 */
public final class RespCommand {

  /** The code of a command: reads {@code args} (name first), calls the store, writes the reply. */
  @FunctionalInterface
  public interface Body {
    /**
     * Runs the command.
     *
     * @param session the connection, its store and its reply writer
     * @param args the command name followed by its arguments, arity already checked
     * @throws RespException to answer with a Redis error
     */
    void execute(RespSession session, byte[][] args);
  }

  private final String name;
  private final String fullName;
  private final byte[] upperName;
  private final int arity;
  private final List<String> flags;
  private final List<KeySpec> keySpecs;
  private final int firstKey;
  private final int lastKey;
  private final int step;
  private final List<String> aclCategories;
  private final List<String> tips;
  private final String group;
  private final String since;
  private final String summary;
  private final Body body;
  private final List<RespCommand> subcommands;
  private final boolean noAuth;
  private final boolean controlsTransaction;
  private final boolean readOnly;

  private RespCommand(Builder b, String parent) {
    this.name = b.name;
    this.fullName = parent == null ? b.name : parent + "|" + b.name;
    this.upperName = b.name.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    this.arity = b.arity;
    this.flags = List.of(b.flags);
    this.keySpecs = List.copyOf(b.keySpecs);
    int[] range = legacyRange(keySpecs);
    this.firstKey = range[0];
    this.lastKey = range[1];
    this.step = range[2];
    this.aclCategories = List.of(b.aclCategories);
    this.tips = List.of(b.tips);
    this.group = b.group;
    this.since = b.since;
    this.summary = b.summary;
    this.body = b.body;
    this.noAuth = this.flags.contains("no_auth");
    this.readOnly = this.flags.contains("readonly");
    this.controlsTransaction = b.controlsTransaction;
    this.subcommands = b.subcommands.stream().map(s -> new RespCommand(s, b.name)).toList();
    if (body == null && subcommands.isEmpty()) {
      throw new IllegalStateException(name + ": neither a body nor subcommands");
    }
  }

  /**
   * The first key, last key and step that {@code COMMAND INFO} reports before the key specs and
   * that the dispatcher finds keys with, derived from the specs as Redis does ({@code
   * populateCommandLegacyRangeSpec}): one spec as it is; several only when they are adjacent
   * ranges of step 1, else none ({@code 0, 0, 0}). Redis 7.0 skips the adjacency check (its
   * previous-range variable is never set; 7.2 sets it); every implemented command with several
   * specs has adjacent ones, so both rules give the same positions.
   */
  private static int[] legacyRange(List<KeySpec> specs) {
    if (specs.isEmpty()) {
      return new int[3];
    }
    if (specs.size() == 1) {
      KeySpec only = specs.get(0);
      return new int[] {only.index(), only.lastKeyPosition(), only.keyStep()};
    }
    int first = Integer.MAX_VALUE;
    int last = 0;
    for (KeySpec spec : specs) {
      if (spec.keyStep() != 1 || (last != 0 && last != spec.index() - 1)) {
        return new int[3];
      }
      first = Math.min(first, spec.index());
      // Unsigned, as Redis compares them: a last key counted from the end is the greatest.
      if (Integer.compareUnsigned(spec.lastKeyPosition(), last) > 0) {
        last = spec.lastKeyPosition();
      }
    }
    return new int[] {first, last, 1};
  }

  /**
   * Starts the definition of a command.
   *
   * @param name the lower-case name, as Redis reports it
   * @param arity the Redis arity: exact count if positive, minimum if negative
   */
  public static Builder named(String name, int arity) {
    return new Builder(name, arity);
  }

  /** Returns the lower-case name ({@code "setname"} for {@code CLIENT SETNAME}). */
  public String name() {
    return name;
  }

  /** Returns the full name used in errors and {@code COMMAND} ({@code "client|setname"}). */
  public String fullName() {
    return fullName;
  }

  /** Returns the Redis arity. */
  public int arity() {
    return arity;
  }

  /**
   * Returns whether a request with {@code argc} elements (name included) has a valid arity.
   *
   * @param argc the number of request elements
   */
  public boolean acceptsArgumentCount(int argc) {
    return arity >= 0 ? argc == arity : argc >= -arity;
  }

  /** Returns the command flags ({@code "readonly"}, {@code "fast"}, ...). */
  public List<String> flags() {
    return flags;
  }

  /** Returns the key specs, in Redis's order; empty for a command without keys. */
  public List<KeySpec> keySpecs() {
    return keySpecs;
  }

  /**
   * Returns the command tips Redis 7.0 reports ({@code nondeterministic_output}, {@code
   * request_policy:all_shards}, ...).
   */
  public List<String> tips() {
    return tips;
  }

  /** Returns the position of the first key argument, 0 when the command has no key. */
  public int firstKey() {
    return firstKey;
  }

  /** Returns the position of the last key argument, negative counting from the end. */
  public int lastKey() {
    return lastKey;
  }

  /** Returns the step between key arguments. */
  public int step() {
    return step;
  }

  /** Returns the ACL categories ({@code "@read"}, ...). */
  public List<String> aclCategories() {
    return aclCategories;
  }

  /** Returns the documentation group ({@code "string"}, {@code "generic"}, ...). */
  public String group() {
    return group;
  }

  /** Returns the Redis version that introduced the command. */
  public String since() {
    return since;
  }

  /** Returns the one-line summary. */
  public String summary() {
    return summary;
  }

  /** Returns the body, or {@code null} for a container command. */
  public Body body() {
    return body;
  }

  /** Returns the subcommands, empty for a plain command. */
  public List<RespCommand> subcommands() {
    return subcommands;
  }

  /**
   * Returns the subcommand named by {@code name}, compared without case.
   *
   * @param name the subcommand name as sent
   * @return the subcommand, or {@code null}
   */
  public RespCommand subcommand(byte[] name) {
    for (RespCommand sub : subcommands) {
      if (sub.nameEqualsIgnoreCase(name)) {
        return sub;
      }
    }
    return null;
  }

  boolean nameEqualsIgnoreCase(byte[] candidate) {
    if (candidate.length != upperName.length) {
      return false;
    }
    for (int i = 0; i < candidate.length; i++) {
      if (toUpper(candidate[i]) != upperName[i]) {
        return false;
      }
    }
    return true;
  }

  static byte toUpper(byte c) {
    return c >= 'a' && c <= 'z' ? (byte) (c - 32) : c;
  }

  byte[] upperName() {
    return upperName;
  }

  /** Whether the command only reads (flag {@code readonly}): its keys are tracked. */
  boolean isReadOnly() {
    return readOnly;
  }

  /** Whether a RESP2 connection in Pub/Sub mode may run it (Redis 7.0 {@code processCommand}). */
  boolean allowedSubscribed() {
    return switch (fullName) {
      case "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe",
          "ping", "quit", "reset" -> true;
      default -> false;
    };
  }

  /**
   * Calls {@code action} with each key argument of {@code args}, as the key positions (first,
   * last, step) give them; a negative last counts from the end, as Redis 7's legacy key specs.
   */
  void forEachKey(byte[][] args, java.util.function.Consumer<byte[]> action) {
    if (firstKey <= 0) {
      return;
    }
    int last = lastKey < 0 ? args.length + lastKey : Math.min(lastKey, args.length - 1);
    for (int i = firstKey; i <= last; i += Math.max(1, step)) {
      action.accept(args[i]);
    }
  }

  /** Returns whether the command runs before authentication (flag {@code no_auth}). */
  boolean noAuth() {
    return noAuth;
  }

  /**
   * Returns whether the command runs at once inside {@code MULTI} instead of being queued (Redis
   * 7.0 {@code processCommand}: EXEC, DISCARD, MULTI, WATCH, QUIT, RESET).
   */
  boolean controlsTransaction() {
    return controlsTransaction;
  }

  /** Defines a {@link RespCommand}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final int arity;
    private String[] flags = new String[0];
    private final ArrayList<KeySpec> keySpecs = new ArrayList<>();
    private String[] aclCategories = new String[0];
    private String[] tips = new String[0];
    private String group = "generic";
    private String since = "1.0.0";
    private String summary = "";
    private Body body;
    private boolean controlsTransaction;
    private final ArrayList<Builder> subcommands = new ArrayList<>();

    private Builder(String name, int arity) {
      if (!name.equals(name.toLowerCase(Locale.ROOT)) || name.isEmpty()) {
        throw new IllegalArgumentException("name: " + name + " (expected: lower case)");
      }
      if (arity == 0) {
        throw new IllegalArgumentException("arity: 0 (expected: != 0)");
      }
      this.name = name;
      this.arity = arity;
    }

    /** Sets the flags reported by {@code COMMAND}. */
    public Builder flags(String... flags) {
      this.flags = flags.clone();
      return this;
    }

    /**
     * Adds a key spec, in Redis's order; the key positions the dispatcher uses follow from them.
     *
     * @param spec the spec
     */
    public Builder key(KeySpec spec) {
      keySpecs.add(spec);
      return this;
    }

    /** Sets the command tips, as Redis 7.0 reports them. */
    public Builder tips(String... tips) {
      this.tips = tips.clone();
      return this;
    }

    /** Sets the ACL categories, with their {@code @}. */
    public Builder acl(String... categories) {
      this.aclCategories = categories.clone();
      return this;
    }

    /**
     * Sets the documentation.
     *
     * @param group the Redis documentation group
     * @param since the Redis version that introduced the command
     * @param summary the one-line summary
     */
    public Builder doc(String group, String since, String summary) {
      this.group = group;
      this.since = since;
      this.summary = summary;
      return this;
    }

    /** Sets the body. */
    public Builder body(Body body) {
      this.body = body;
      return this;
    }

    /** Marks the command as run at once inside {@code MULTI} rather than queued. */
    public Builder controlsTransaction() {
      this.controlsTransaction = true;
      return this;
    }

    /** Adds a subcommand; makes this a container command. */
    public Builder subcommand(Builder sub) {
      subcommands.add(sub);
      return this;
    }

    /**
     * Adds subcommands, as {@link #subcommand} each.
     *
     * @param subs the subcommands' definitions
     */
    public Builder subcommands(List<Builder> subs) {
      subs.forEach(this::subcommand);
      return this;
    }

    /** Returns the command. */
    public RespCommand build() {
      return new RespCommand(this, null);
    }
  }
}
