package io.sidecache.memcached;

import java.nio.charset.StandardCharsets;

/**
 * One decoded memcached text request: a command with its arguments parsed, or a protocol error to
 * be answered in its place, in order.
 *
 * <p>The decoder has checked the syntax (word count, key length, numbers, data block); what the
 * arguments mean (exptime normalisation, the store's answer) is the handler's business. Numbers
 * keep their wire meaning: {@link #exptime()} is in seconds as sent, {@link #flags()} holds the
 * 32 bits of the unsigned client flags.
 *
 * <p>Not reference-counted: keys and data are copied out of the network buffer, because the store
 * takes ownership of its {@code byte[]} values. Immutable once built; the arrays it returns are
 * shared and must not be modified. Safe to hand to another thread after construction.
 */
public final class TextRequest {
  private static final byte[][] NO_KEYS = new byte[0][];

  private final TextVerb verb;
  private final TextError error;
  private final byte[][] keys;
  private final int flags;
  private final long exptime;
  private final long number;
  private final byte[] data;
  private final boolean noreply;
  private final MetaFlags meta;
  private final long streamed;

  /** {@link #streamed()} of a request whose data, if any, came whole. */
  static final long NOT_STREAMED = -1;

  /** {@link #streamed()} of the end of a streamed data block. */
  static final long STREAM_END = -2;

  private TextRequest(
      TextVerb verb,
      TextError error,
      byte[][] keys,
      int flags,
      long exptime,
      long number,
      byte[] data,
      boolean noreply,
      MetaFlags meta) {
    this(verb, error, keys, flags, exptime, number, data, noreply, meta, NOT_STREAMED);
  }

  private TextRequest(
      TextVerb verb,
      TextError error,
      byte[][] keys,
      int flags,
      long exptime,
      long number,
      byte[] data,
      boolean noreply,
      MetaFlags meta,
      long streamed) {
    this.verb = verb;
    this.error = error;
    this.keys = keys;
    this.flags = flags;
    this.exptime = exptime;
    this.number = number;
    this.data = data;
    this.noreply = noreply;
    this.meta = meta;
    this.streamed = streamed;
  }

  /**
   * A storage command whose data block of {@code length} bytes streams in after it, as {@link
   * io.sidecache.protocol.StreamPart}s, then {@link #streamEnd}.
   */
  static TextRequest storageStreamed(TextVerb verb, byte[] key, int flags, long exptime, long cas,
      long length, boolean noreply) {
    return new TextRequest(
        verb, null, new byte[][] {key}, flags, exptime, cas, null, noreply, null, length);
  }

  /**
   * An {@code ms} (mode set, add or replace) whose data block of {@code length} bytes streams in
   * after it, as {@code storageStreamed}.
   */
  static TextRequest metaStreamed(byte[] key, MetaFlags flags, long length) {
    return new TextRequest(
        TextVerb.MS, null, new byte[][] {key}, 0, 0, 0, null, false, flags, length);
  }

  /**
   * The end of a streamed data block: well terminated, or {@link TextError#BAD_DATA_CHUNK}.
   */
  static TextRequest streamEnd(TextVerb verb, boolean terminated, boolean noreply) {
    return new TextRequest(verb, terminated ? null : TextError.BAD_DATA_CHUNK, NO_KEYS, 0, 0, 0,
        null, noreply, null, STREAM_END);
  }

  /**
   * Returns the length of a data block that streams in after this request, {@link #STREAM_END}
   * for the request that ends one, {@link #NOT_STREAMED} otherwise.
   */
  public long streamed() {
    return streamed;
  }

  /** A {@code get}/{@code gets} of one or more keys. */
  static TextRequest retrieval(TextVerb verb, byte[][] keys) {
    return new TextRequest(verb, null, keys, 0, 0, 0, null, false, null);
  }

  /** A storage command with its data block; {@code cas} is 0 except for {@code cas}. */
  static TextRequest storage(
      TextVerb verb, byte[] key, int flags, long exptime, long cas, byte[] data, boolean noreply) {
    return new TextRequest(
        verb, null, new byte[][] {key}, flags, exptime, cas, data, noreply, null);
  }

  /** A command on one key: {@code delete}, {@code incr}/{@code decr} (delta), {@code touch}. */
  static TextRequest keyed(
      TextVerb verb, byte[] key, long exptime, long number, boolean noreply) {
    return new TextRequest(
        verb, null, new byte[][] {key}, 0, exptime, number, null, noreply, null);
  }

  /** A command without a key: {@code flush_all} (delay), {@code version}, {@code verbosity}. */
  static TextRequest keyless(TextVerb verb, long number, boolean noreply) {
    return new TextRequest(verb, null, NO_KEYS, 0, 0, number, null, noreply, null);
  }

  /**
   * {@code stats [group [arg ...]]}: the words after {@code stats} are kept as the request's keys
   * ({@code stats detail on}: {@code detail}, {@code on}).
   */
  static TextRequest stats(byte[][] words) {
    return new TextRequest(TextVerb.STATS, null, words, 0, 0, 0, null, false, null);
  }

  /** An error to answer; {@code verb} is {@code null} for an unknown command. */
  static TextRequest error(TextVerb verb, TextError error, boolean noreply) {
    return new TextRequest(verb, error, NO_KEYS, 0, 0, 0, null, noreply, null);
  }

  /** {@link TextError#OBJECT_TOO_LARGE} for a storage command, keeping the key it names. */
  static TextRequest tooLarge(TextVerb verb, byte[] key, boolean noreply) {
    return new TextRequest(
        verb, TextError.OBJECT_TOO_LARGE, new byte[][] {key}, 0, 0, 0, null, noreply, null);
  }

  /** {@code gat}/{@code gats}: an exptime as sent and one or more keys. */
  static TextRequest getAndTouch(TextVerb verb, long exptime, byte[][] keys) {
    return new TextRequest(verb, null, keys, 0, exptime, 0, null, false, null);
  }

  /**
   * One part of a {@code get}/{@code gets} line too long to hold whole: its keys, and whether
   * more parts of the same line follow ({@link #continued()}).
   */
  static TextRequest retrievalPart(TextVerb verb, byte[][] keys, boolean more) {
    return new TextRequest(verb, null, keys, 0, 0, more ? 1 : 0, null, false, null);
  }

  /** One part of a long {@code gat}/{@code gats} line, as {@link #retrievalPart}. */
  static TextRequest getAndTouchPart(TextVerb verb, long exptime, byte[][] keys, boolean more) {
    return new TextRequest(verb, null, keys, 0, exptime, more ? 1 : 0, null, false, null);
  }

  /**
   * Returns whether this retrieval is a part of a long multi-get line that more parts follow:
   * its items are answered, but not the {@code END}, which only the line's last part gets.
   */
  public boolean continued() {
    return (verb == TextVerb.GET || verb == TextVerb.GETS || verb == TextVerb.GAT
        || verb == TextVerb.GATS) && error == null && number == 1;
  }

  /**
   * A meta command on one key (the key base64-decoded when {@code b} was given), with its flags;
   * {@code data} is the data block of {@code ms}, {@code null} otherwise.
   */
  static TextRequest meta(TextVerb verb, byte[] key, MetaFlags flags, byte[] data) {
    return new TextRequest(
        verb, null, key == null ? NO_KEYS : new byte[][] {key}, 0, 0, 0, data, false, flags);
  }

  /** Returns the command, or {@code null} for an unknown command (then {@link #error()} is set). */
  public TextVerb verb() {
    return verb;
  }

  /** Returns the protocol error to answer instead of running the command, or {@code null}. */
  public TextError error() {
    return error;
  }

  /** Returns whether the request is an error to answer rather than a command to run. */
  public boolean isError() {
    return error != null;
  }

  /**
   * Returns the keys: all keys of a {@code get}/{@code gets}, the one key of a keyed command, none
   * otherwise. Each key is 1 to 250 bytes without spaces.
   */
  public byte[][] keys() {
    return keys;
  }

  /**
   * Returns the single key of a keyed command.
   *
   * @throws IllegalStateException if the request has no key
   */
  public byte[] key() {
    if (keys.length == 0) {
      throw new IllegalStateException("request " + verb + " has no key");
    }
    return keys[0];
  }

  /** Returns the client flags of a storage command: the bits of a 32-bit unsigned value. */
  public int flags() {
    return flags;
  }

  /**
   * Returns the exptime of a storage command or {@code touch} as sent, in seconds: 0 for never, up
   * to 30 days relative, beyond that a Unix time, negative for already expired (protocol.txt).
   */
  public long exptime() {
    return exptime;
  }

  /**
   * Returns the numeric argument: the CAS unique of {@code cas}, the unsigned delta of {@code
   * incr}/{@code decr} (as 64 bits), the delay of {@code flush_all} in exptime form (0 when
   * absent), the level of {@code verbosity}; 0 otherwise.
   */
  public long number() {
    return number;
  }

  /** Returns the data block of a storage command, or {@code null}. */
  public byte[] data() {
    return data;
  }

  /** Returns the flags of a meta command, or {@code null} for other commands. */
  public MetaFlags meta() {
    return meta;
  }

  /** Returns whether the client asked for no reply ({@code noreply}, as memcached decides it). */
  public boolean noreply() {
    return noreply;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("TextRequest{");
    sb.append(verb == null ? "?" : verb.name().toLowerCase(java.util.Locale.ROOT));
    if (error != null) {
      sb.append(", error=").append(error);
    }
    for (byte[] key : keys) {
      sb.append(", key=").append(new String(key, StandardCharsets.ISO_8859_1));
    }
    if (verb != null && verb.isStorage() && error == null && data != null && meta == null) {
      sb.append(", flags=").append(Integer.toUnsignedString(flags));
      sb.append(", exptime=").append(exptime);
      sb.append(", bytes=").append(data.length);
    } else if (verb == TextVerb.TOUCH || verb == TextVerb.GAT || verb == TextVerb.GATS) {
      sb.append(", exptime=").append(exptime);
    }
    if (number != 0) {
      sb.append(", number=").append(Long.toUnsignedString(number));
    }
    if (noreply) {
      sb.append(", noreply");
    }
    return sb.append('}').toString();
  }
}
