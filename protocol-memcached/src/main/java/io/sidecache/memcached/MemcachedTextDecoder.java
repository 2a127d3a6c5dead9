package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import io.sidecache.protocol.StreamPart;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes the memcached text protocol into {@link TextRequest}s: one per command line (with its
 * data block for a storage command), or one per protocol error, in the order the bytes arrived.
 *
 * <p>The rules are those of memcached 1.6 ({@code proto_text.c}, checked against memcached
 * 1.6.18):
 *
 * <ul>
 *   <li>A line ends with {@code \n}; one {@code \r} before it is dropped. Words are separated by
 *       one or more spaces (only {@code ' '}); the line ends at a NUL byte, as memcached reads it
 *       with {@code strlen}. Command names are case-sensitive.
 *   <li>A line whose word count the command does not accept, or an unknown command, gives {@link
 *       TextError#UNKNOWN_COMMAND}. A key longer than {@value #MAX_KEY_LENGTH} bytes or a
 *       malformed number gives {@link TextError#BAD_COMMAND_LINE_FORMAT}; after a storage command
 *       such an error does not consume the data block, which is then read as a command line, as
 *       memcached does.
 *   <li>A data block longer than the maximum item size gives {@link TextError#OBJECT_TOO_LARGE}
 *       and its {@code <bytes>+2} bytes are swallowed, so the connection stays in sync. A data
 *       block not followed by {@code \r\n} gives {@link TextError#BAD_DATA_CHUNK}; the block and
 *       the two bytes after it are consumed.
 *   <li>A line longer than {@value #MAX_LINE_LENGTH} bytes gives {@link TextError#LINE_TOO_LONG},
 *       after which every further byte is discarded: the handler closes the connection. memcached
 *       applies its 2048-byte limit to whatever it has buffered without a newline, so whether it
 *       closes depends on how the bytes arrive; here the limit applies to the line itself, so the
 *       outcome never depends on TCP segmentation.
 *   <li>Except a multi-get: a longer line that starts (after at most 100 spaces) with {@code get
 *       }, {@code gets }, {@code gat } or {@code gats } has no length limit, as memcached reads
 *       {@code get} lines of any length. Its keys are read as they arrive and handed on in parts
 *       of {@value #MULTI_GET_PART_KEYS} keys ({@link TextRequest#continued()}), then a last part
 *       when the line ends, so a line of any length needs memory for one part only, and the parts
 *       never depend on TCP segmentation. A too long key in such a line ends it with {@link
 *       TextError#BAD_COMMAND_LINE_FORMAT} after the parts already handed on (memcached, which
 *       buffers the whole line, answers only the error).
 *   <li>An unknown command whose last word starts with {@code HTTP/} gives {@link
 *       TextError#HTTP_REQUEST_LINE}, after which every further byte is discarded: the handler
 *       closes the connection, as memcached does with an HTTP request sent to its port.
 *   <li>Keys are any bytes but space, {@code \n} and NUL, as in memcached's text protocol, which
 *       does not enforce protocol.txt's "no control characters" either.
 * </ul>
 *
 * <p>The decoder keeps no string per word: words are offsets into the buffer, and only keys and
 * data are copied out. A storage command's data block is copied into its {@code byte[]} as it
 * arrives, so the cumulation buffer never holds more than a read's worth of it.
 *
 * <p>Not sharable: one instance per channel, used from its event loop only.
 */
public final class MemcachedTextDecoder extends ByteToMessageDecoder {
  /** The longest key in bytes (memcached {@code KEY_MAX_LENGTH}). */
  public static final int MAX_KEY_LENGTH = 250;

  /** The longest command line in bytes, without its terminator (memcached: 2048). */
  public static final int MAX_LINE_LENGTH = 2048;

  /** Keys per part of a multi-get line longer than {@link #MAX_LINE_LENGTH}. */
  static final int MULTI_GET_PART_KEYS = 256;

  /** A meta command line of this many words or more is refused (memcached: 20 tokens). */
  static final int MAX_META_WORDS = 20;

  /** The longest meta {@code O} token in bytes, the {@code O} included (memcached: 32). */
  static final int MAX_OPAQUE_LENGTH = 32;

  /** How many leading spaces memcached skips when it looks for a long multi-get. */
  private static final int MAX_LEADING_SPACES = 100;

  private static final byte[] NOREPLY = "noreply".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GET_SPACE = "get ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GETS_SPACE = "gets ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HTTP_SLASH = "HTTP/".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GAT_SPACE = "gat ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GATS_SPACE = "gats ".getBytes(StandardCharsets.US_ASCII);

  private enum State {
    /** Reading a command line. */
    READ_LINE,
    /** Copying a storage command's data block, then checking its {@code \r\n}. */
    READ_DATA,
    /** Dropping the data block of a refused storage command. */
    SWALLOW_DATA,
    /** Handing on a long data block as it arrives, then checking its {@code \r\n}. */
    STREAM_DATA,
    /** Reading the keys of a multi-get line longer than {@link #MAX_LINE_LENGTH}. */
    MULTI_GET,
    /** Dropping the rest of a line, up to its {@code \n}. */
    SKIP_LINE,
    /** Dropping everything: the connection is being closed. */
    DISCARD
  }

  private final int maxItemSize;
  private final Tokenizer tokenizer = new Tokenizer();
  private final long[] scratch = new long[2];
  private final boolean[] seenFlags = new boolean[127];

  private State state = State.READ_LINE;
  /** Bytes of the current line, from the reader index, already searched for {@code \n}. */
  private int scanned;
  /** The length limit of the current line; raised once the line is known to be a multi-get. */
  private int lineLimit = MAX_LINE_LENGTH;

  private TextVerb pendingVerb;
  private byte[] pendingKey;
  private int pendingFlags;
  private long pendingExptime;
  private long pendingCas;
  private boolean pendingNoreply;
  private MetaFlags pendingMeta;
  private byte[] pendingData;
  private int pendingDataRead;

  // A long multi-get: its verb, its exptime (gat/gats), the keys of the part being read, and
  // whether a NUL ended the line's words.
  private TextVerb multiVerb;
  private long multiExptime;
  private List<byte[]> multiKeys;
  private boolean multiNul;
  private boolean multiAny;

  private long swallowRemaining;
  private final long streamAbove;
  private long streamRemaining;

  /**
   * Creates a decoder that gathers every data block.
   *
   * @param maxItemSizeBytes the largest data block a storage command may carry, in bytes; larger
   *     ones are answered {@link TextError#OBJECT_TOO_LARGE} (memcached {@code -I}, 1 MiB by
   *     default)
   * @throws IllegalArgumentException if {@code maxItemSizeBytes} is negative
   */
  public MemcachedTextDecoder(int maxItemSizeBytes) {
    this(maxItemSizeBytes, Long.MAX_VALUE);
  }

  /**
   * Creates a decoder that streams the data block of a {@code set}, {@code add}, {@code replace},
   * {@code cas} or {@code ms} (but append and prepend) longer than {@code streamAbove} bytes
   * ({@link TextRequest#streamed()}).
   *
   * @param maxItemSizeBytes the largest data block a storage command may carry, in bytes
   * @param streamAbove the data block length above which it streams
   * @throws IllegalArgumentException if {@code maxItemSizeBytes} is negative
   */
  public MemcachedTextDecoder(int maxItemSizeBytes, long streamAbove) {
    this.streamAbove = streamAbove;
    if (maxItemSizeBytes < 0) {
      throw new IllegalArgumentException(
          "maxItemSizeBytes: " + maxItemSizeBytes + " (expected: >= 0)");
    }
    this.maxItemSize = maxItemSizeBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case READ_LINE:
        readLine(in, out);
        break;
      case READ_DATA:
        readData(in, out);
        break;
      case SWALLOW_DATA:
        swallowData(in);
        break;
      case STREAM_DATA:
        streamData(in, out);
        break;
      case MULTI_GET:
        multiGet(in, out);
        break;
      case SKIP_LINE:
        skipLine(in);
        break;
      case DISCARD:
        in.skipBytes(in.readableBytes());
        break;
      default:
        throw new IllegalStateException("state: " + state);
    }
  }

  private void readLine(ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    int readable = in.readableBytes();
    int lineEnd;
    int next;
    for (; ; ) {
      // A line of lineLimit bytes needs at most lineLimit + 2 bytes with its "\r\n".
      int window = Math.min(readable, lineLimit + 2);
      int lf = -1;
      if (scanned < window) {
        lf = in.indexOf(start + scanned, start + window, (byte) '\n');
        if (lf < 0) {
          scanned = window;
        }
      }
      if (lf >= 0) {
        lineEnd = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        next = lf + 1;
        if (lineEnd - start <= lineLimit) {
          break;
        }
      } else if (readable < lineLimit + 2) {
        return; // wait for the rest of the line
      }
      // The line is longer than the limit: only a multi-get may go on (memcached's own test).
      if (startMultiGet(in, start, readable, out)) {
        return;
      }
      in.skipBytes(readable);
      resetLine();
      state = State.DISCARD;
      out.add(TextRequest.error(null, TextError.LINE_TOO_LONG, false));
      return;
    }
    TextRequest request = parseLine(in, start, lineEnd);
    in.readerIndex(next);
    resetLine();
    if (request != null) {
      out.add(request);
    }
  }

  private void resetLine() {
    scanned = 0;
    lineLimit = MAX_LINE_LENGTH;
  }

  /**
   * Starts reading a line longer than the limit as a multi-get, when it is one: memcached's test
   * (up to 100 spaces, then {@code get } or {@code gets }), with {@code gat }/{@code gats } and
   * their exptime too. The line's first {@code lineLimit + 2} bytes are buffered, so the verb and
   * exptime are whole.
   *
   * @return whether the line is read as a multi-get from now on (or was answered as a bad one)
   */
  private boolean startMultiGet(ByteBuf in, int start, int readable, List<Object> out) {
    int i = start;
    int end = start + readable;
    while (i < end && i - start <= MAX_LEADING_SPACES && in.getByte(i) == ' ') {
      i++;
    }
    if (i - start > MAX_LEADING_SPACES) {
      return false;
    }
    TextVerb verb;
    int after;
    if (startsWith(in, i, end, GET_SPACE)) {
      verb = TextVerb.GET;
      after = i + GET_SPACE.length;
    } else if (startsWith(in, i, end, GETS_SPACE)) {
      verb = TextVerb.GETS;
      after = i + GETS_SPACE.length;
    } else if (startsWith(in, i, end, GAT_SPACE)) {
      verb = TextVerb.GAT;
      after = i + GAT_SPACE.length;
    } else if (startsWith(in, i, end, GATS_SPACE)) {
      verb = TextVerb.GATS;
      after = i + GATS_SPACE.length;
    } else {
      return false;
    }
    resetLine();
    multiVerb = verb;
    multiExptime = 0;
    multiKeys = new ArrayList<>(MULTI_GET_PART_KEYS);
    multiNul = false;
    multiAny = false;
    if (verb == TextVerb.GAT || verb == TextVerb.GATS) {
      while (after < end && in.getByte(after) == ' ') {
        after++;
      }
      int word = after;
      while (after < end && in.getByte(after) != ' ') {
        after++;
      }
      multiExptime = AsciiNumbers.parseInt32(in, word, after, scratch);
      if (multiExptime == AsciiNumbers.INVALID) {
        in.readerIndex(after);
        state = State.SKIP_LINE;
        out.add(TextRequest.error(verb, TextError.INVALID_EXPTIME, false));
        return true;
      }
    }
    in.readerIndex(after);
    state = State.MULTI_GET;
    multiGet(in, out);
    return true;
  }

  /**
   * Reads the keys of a long multi-get as they arrive (see the class documentation): each whole
   * key is copied out and its bytes released; a part goes on every {@value #MULTI_GET_PART_KEYS}
   * keys, the last one at the line's end.
   */
  private void multiGet(ByteBuf in, List<Object> out) {
    while (in.isReadable()) {
      int start = in.readerIndex();
      byte b = in.getByte(start);
      if (b == '\n' || b == '\r' && in.readableBytes() >= 2 && in.getByte(start + 1) == '\n') {
        in.skipBytes(b == '\n' ? 1 : 2);
        emitMultiGetPart(out, false);
        state = State.READ_LINE;
        return;
      }
      if (b == '\r' && in.readableBytes() < 2) {
        return; // a "\r" that may end the line: wait for the next byte
      }
      if (b == ' ' || multiNul) {
        in.skipBytes(1); // after a NUL the line's words are over, as memcached's strlen has it
        continue;
      }
      if (b == 0) {
        multiNul = true;
        in.skipBytes(1);
        continue;
      }
      // A word ends at a space, a NUL or the line's end; a '\r' not before '\n' is part of it,
      // as on a short line.
      int wordEnd = in.forEachByte(start, in.readableBytes(), v -> v != ' ' && v != '\n'
          && v != 0);
      if (wordEnd < 0) {
        if (in.readableBytes() > MAX_KEY_LENGTH + 1) {
          tooLongMultiGetKey(in, out);
        }
        return; // the key goes on in the next read
      }
      if (in.getByte(wordEnd) == '\n' && in.getByte(wordEnd - 1) == '\r') {
        wordEnd--; // wordEnd > start: a line end at start was handled above
      }
      if (wordEnd - start > MAX_KEY_LENGTH) {
        tooLongMultiGetKey(in, out);
        return;
      }
      multiKeys.add(ByteBufUtil.getBytes(in, start, wordEnd - start));
      multiAny = true;
      in.readerIndex(wordEnd);
      if (multiKeys.size() == MULTI_GET_PART_KEYS) {
        emitMultiGetPart(out, true);
      }
    }
  }

  private void emitMultiGetPart(List<Object> out, boolean more) {
    if (!more && !multiAny) {
      // No key at all (a long line of spaces): a wrong word count, as on a short line.
      multiKeys = null;
      out.add(TextRequest.error(multiVerb, TextError.UNKNOWN_COMMAND, false));
      return;
    }
    byte[][] keys = multiKeys.toArray(new byte[0][]);
    multiKeys = more ? new ArrayList<>(MULTI_GET_PART_KEYS) : null;
    out.add(multiVerb == TextVerb.GAT || multiVerb == TextVerb.GATS
        ? TextRequest.getAndTouchPart(multiVerb, multiExptime, keys, more)
        : TextRequest.retrievalPart(multiVerb, keys, more));
  }

  private void tooLongMultiGetKey(ByteBuf in, List<Object> out) {
    multiKeys = null;
    state = State.SKIP_LINE;
    out.add(TextRequest.error(multiVerb, TextError.BAD_COMMAND_LINE_FORMAT, false));
    skipLine(in);
  }

  /** Drops bytes up to and including the next {@code \n}, then reads lines again. */
  private void skipLine(ByteBuf in) {
    int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
    if (lf < 0) {
      in.skipBytes(in.readableBytes());
      return;
    }
    in.readerIndex(lf + 1);
    state = State.READ_LINE;
  }

  private static boolean startsWith(ByteBuf in, int index, int end, byte[] prefix) {
    return end - index >= prefix.length
        && AsciiNumbers.equalsAscii(in, index, prefix.length, prefix);
  }

  /**
   * Parses a complete command line.
   *
   * @return the request to emit, or {@code null} when a data block follows (the request is
   *     emitted once it is read)
   */
  private TextRequest parseLine(ByteBuf in, int start, int end) {
    Tokenizer t = tokenizer;
    t.split(in, start, end);
    int words = t.count;
    if (words == 0) {
      return TextRequest.error(null, TextError.UNKNOWN_COMMAND, false);
    }
    TextVerb verb = TextVerb.find(in, t.start(0), t.length(0));
    if (verb == null && startsWith(in, t.start(words - 1), t.start(words - 1)
        + t.length(words - 1), HTTP_SLASH)) {
      state = State.DISCARD; // the handler closes the connection, as memcached does
      return TextRequest.error(null, TextError.HTTP_REQUEST_LINE, false);
    }
    if (verb == null || !verb.acceptsWords(words)) {
      return TextRequest.error(verb, TextError.UNKNOWN_COMMAND, false);
    }
    switch (verb) {
      case GET:
      case GETS:
        return parseRetrieval(in, verb);
      case GAT:
      case GATS:
        return parseGetAndTouch(in, verb);
      case MG:
      case MD:
      case MA:
        return parseMeta(in, verb);
      case MS:
        return parseMetaSet(in);
      case MN:
        return TextRequest.keyless(verb, 0, false);
      case ME:
        return parseMetaDebug(in);
      case SET:
      case ADD:
      case REPLACE:
      case APPEND:
      case PREPEND:
      case CAS:
        return parseStorage(in, verb);
      case DELETE:
        return parseDelete(in);
      case INCR:
      case DECR:
        return parseArithmetic(in, verb);
      case TOUCH:
        return parseTouch(in);
      case FLUSH_ALL:
        return parseFlushAll(in);
      case VERBOSITY:
        return parseVerbosity(in);
      case VERSION:
      case QUIT:
        return TextRequest.keyless(verb, 0, false);
      case STATS:
        byte[][] groupWords = new byte[words - 1][];
        for (int i = 1; i < words; i++) {
          groupWords[i - 1] = copyWord(in, i);
        }
        return TextRequest.stats(groupWords);
      default:
        throw new IllegalStateException("verb: " + verb);
    }
  }

  /** memcached {@code set_noreply_maybe}: the last word is {@code noreply}. */
  private boolean lastWordIsNoreply(ByteBuf in) {
    int last = tokenizer.count - 1;
    return AsciiNumbers.equalsAscii(in, tokenizer.start(last), tokenizer.length(last), NOREPLY);
  }

  private boolean keyTooLong(int word) {
    return tokenizer.length(word) > MAX_KEY_LENGTH;
  }

  private byte[] copyWord(ByteBuf in, int word) {
    return ByteBufUtil.getBytes(in, tokenizer.start(word), tokenizer.length(word));
  }

  private TextRequest parseRetrieval(ByteBuf in, TextVerb verb) {
    int words = tokenizer.count;
    for (int i = 1; i < words; i++) {
      if (keyTooLong(i)) {
        // memcached drops the items already found and answers only this error.
        return TextRequest.error(verb, TextError.BAD_COMMAND_LINE_FORMAT, false);
      }
    }
    byte[][] keys = new byte[words - 1][];
    for (int i = 1; i < words; i++) {
      keys[i - 1] = copyWord(in, i);
    }
    return TextRequest.retrieval(verb, keys);
  }

  /**
   * {@code gat|gats <exptime> <key>*}: memcached checks the exptime first, then the keys; with no
   * key the reply is a bare {@code END}.
   */
  private TextRequest parseGetAndTouch(ByteBuf in, TextVerb verb) {
    Tokenizer t = tokenizer;
    long exptime = AsciiNumbers.parseInt32(in, t.start(1), t.end(1), scratch);
    if (exptime == AsciiNumbers.INVALID) {
      return TextRequest.error(verb, TextError.INVALID_EXPTIME, false);
    }
    int words = t.count;
    for (int i = 2; i < words; i++) {
      if (keyTooLong(i)) {
        return TextRequest.error(verb, TextError.BAD_COMMAND_LINE_FORMAT, false);
      }
    }
    byte[][] keys = new byte[words - 2][];
    for (int i = 2; i < words; i++) {
      keys[i - 2] = copyWord(in, i);
    }
    return TextRequest.getAndTouch(verb, exptime, keys);
  }

  /**
   * The checks every meta command with a key makes first, in memcached's order: the key length
   * (as sent, before any base64 decoding), then the number of words.
   *
   * @return the error, or {@code null}
   */
  private TextError metaLineError(TextVerb verb) {
    if (keyTooLong(1)) {
      return TextError.BAD_COMMAND_LINE_FORMAT;
    }
    if (verb == TextVerb.MS && tokenizer.count == 2) {
      return TextError.BAD_COMMAND_LINE_FORMAT;
    }
    if (tokenizer.count >= MAX_META_WORDS) {
      return verb == TextVerb.MG ? TextError.META_MG_TOO_MANY_FLAGS : TextError.META_TOO_MANY_FLAGS;
    }
    return null;
  }

  /** {@code mg|md|ma <key> <flag>*}. */
  private TextRequest parseMeta(ByteBuf in, TextVerb verb) {
    TextError error = metaLineError(verb);
    if (error != null) {
      return TextRequest.error(verb, error, false);
    }
    MetaFlags flags = parseMetaFlags(in, 2);
    byte[] key = metaFlagsError == null ? metaKey(in, flags) : null;
    error = metaFlagsError;
    if (error != null && verb != TextVerb.MG) {
      // md and ma report every flag error with one line (proto_text.c).
      error = TextError.META_INVALID_OR_DUPLICATE_FLAG;
    }
    if (error == null && verb == TextVerb.MA && !isArithmeticMode(flags.mode())) {
      error = TextError.META_MA_MODE;
    }
    if (error != null) {
      return TextRequest.error(verb, error, false);
    }
    return TextRequest.meta(verb, key, flags, null);
  }

  private static boolean isArithmeticMode(byte mode) {
    return mode == 0 || mode == 'I' || mode == '+' || mode == 'D' || mode == '-';
  }

  private static boolean isSetMode(byte mode) {
    return mode == 0 || mode == 'E' || mode == 'A' || mode == 'P' || mode == 'R' || mode == 'S';
  }

  /**
   * {@code ms <key> <datalen> <flag>*}: errors found before the data length is known leave the
   * data block to be read as a command line; later ones swallow it, as memcached does.
   */
  private TextRequest parseMetaSet(ByteBuf in) {
    Tokenizer t = tokenizer;
    TextError error = metaLineError(TextVerb.MS);
    if (error != null) {
      return TextRequest.error(TextVerb.MS, error, false);
    }
    long length = AsciiNumbers.parseInt32(in, t.start(2), t.end(2), scratch);
    if (length == AsciiNumbers.INVALID || length < 0 || length > Integer.MAX_VALUE - 2) {
      return TextRequest.error(TextVerb.MS, TextError.BAD_COMMAND_LINE_FORMAT, false);
    }
    MetaFlags flags = parseMetaFlags(in, 3);
    byte[] key = metaFlagsError == null ? metaKey(in, flags) : null;
    error = metaFlagsError;
    if (error == null && !isSetMode(flags.mode())) {
      error = TextError.META_MS_MODE;
    }
    if (error == null && length > maxItemSize) {
      state = State.SWALLOW_DATA;
      swallowRemaining = length + 2;
      return TextRequest.tooLarge(TextVerb.MS, key, false);
    }
    if (error != null) {
      state = State.SWALLOW_DATA;
      swallowRemaining = length + 2;
      return TextRequest.error(TextVerb.MS, error, false);
    }
    pendingVerb = TextVerb.MS;
    pendingNoreply = false;
    if (length > streamAbove && flags.mode() != 'A' && flags.mode() != 'P') {
      state = State.STREAM_DATA;
      streamRemaining = length;
      return TextRequest.metaStreamed(key, flags, length);
    }
    pendingKey = key;
    pendingMeta = flags;
    pendingData = new byte[(int) length];
    pendingDataRead = 0;
    state = State.READ_DATA;
    return null;
  }

  /** {@code me <key> [b]}: only a {@code b} right after the key means anything. */
  private TextRequest parseMetaDebug(ByteBuf in) {
    Tokenizer t = tokenizer;
    if (t.count < 2 || keyTooLong(1)) {
      return TextRequest.error(TextVerb.ME, TextError.BAD_COMMAND_LINE_FORMAT, false);
    }
    byte[] key = copyWord(in, 1);
    MetaFlags flags = new MetaFlags(1);
    if (t.count >= 3 && t.length(2) == 1 && in.getByte(t.start(2)) == 'b') {
      key = decodeBase64(key);
      if (key == null) {
        return TextRequest.error(TextVerb.ME, TextError.BAD_COMMAND_LINE_FORMAT, false);
      }
      flags.add((byte) 'b');
      flags.base64Key(true);
    }
    return TextRequest.meta(TextVerb.ME, key, flags, null);
  }

  /** The error {@link #parseMetaFlags} found, or {@code null}. */
  private TextError metaFlagsError;

  /**
   * Parses meta flags from word {@code first} on, as memcached's {@code _meta_flag_preparse}: a
   * repeated first character or one of 127 and above stops at once with {@code duplicate flag}, an
   * unknown flag stops at once with {@code invalid flag}; a bad token is remembered and parsing
   * goes on, the last such error being the one reported ({@code F} reports none of its own).
   * Leaves the error, or {@code null}, in {@link #metaFlagsError}.
   */
  private MetaFlags parseMetaFlags(ByteBuf in, int first) {
    Tokenizer t = tokenizer;
    MetaFlags flags = new MetaFlags(t.count - first);
    boolean[] seen = seenFlags;
    Arrays.fill(seen, false);
    TextError error = null;
    boolean failed = false;
    metaFlagsError = null;
    for (int i = first; i < t.count; i++) {
      int from = t.start(i);
      int c = in.getByte(from) & 0xFF;
      if (c >= 127 || seen[c]) {
        metaFlagsError = TextError.META_DUPLICATE_FLAG;
        return flags;
      }
      seen[c] = true;
      switch (c) {
        case 'N':
        case 'T':
        case 'R': {
          long v = AsciiNumbers.parseInt32(in, from + 1, t.end(i), scratch);
          if (v == AsciiNumbers.INVALID) {
            error = TextError.META_BAD_TOKEN;
            failed = true;
          } else if (c == 'N') {
            flags.vivifyTtl(v);
          } else if (c == 'T') {
            flags.ttl(v);
          } else {
            flags.recacheTtl(v);
          }
          break;
        }
        case 'F': {
          long v = AsciiNumbers.parseUnsigned32(in, from + 1, t.end(i), scratch);
          if (v < 0) {
            failed = true;
          } else {
            flags.clientFlags((int) v);
          }
          break;
        }
        case 'C':
        case 'J':
        case 'D':
          if (!AsciiNumbers.parseUnsigned64(in, from + 1, t.end(i), scratch)) {
            error =
                c == 'C'
                    ? TextError.META_BAD_TOKEN
                    : c == 'J' ? TextError.META_INVALID_INITIAL : TextError.META_INVALID_DELTA;
            failed = true;
          } else if (c == 'C') {
            flags.compareCas(scratch[0]);
          } else if (c == 'J') {
            flags.initial(scratch[0]);
          } else {
            flags.delta(scratch[0]);
          }
          break;
        case 'M':
          if (t.length(i) != 2) {
            error = TextError.META_M_LENGTH;
            failed = true;
          } else {
            flags.mode(in.getByte(from + 1));
          }
          break;
        case 'O':
          flags.opaque(copyWord(in, i));
          break;
        case 'b':
          flags.base64Key(true);
          break;
        case 'I':
        case 'L':
        case 'P':
        case 'c':
        case 'f':
        case 'h':
        case 'k':
        case 'l':
        case 'q':
        case 's':
        case 't':
        case 'u':
        case 'v':
          break;
        default:
          metaFlagsError = TextError.META_INVALID_FLAG;
          return flags;
      }
      flags.add((byte) c);
    }
    if (!failed && flags.opaque() != null && flags.opaque().length > MAX_OPAQUE_LENGTH) {
      error = TextError.META_OPAQUE_TOO_LONG;
      failed = true;
    }
    if (failed) {
      metaFlagsError = error == null ? TextError.BAD_COMMAND_LINE_FORMAT : error;
    }
    return flags;
  }

  /**
   * Returns the key of a meta command, base64-decoded when {@code b} was given; on a bad encoding
   * sets {@link #metaFlagsError} and returns {@code null}.
   */
  private byte[] metaKey(ByteBuf in, MetaFlags flags) {
    byte[] key = copyWord(in, 1);
    if (!flags.base64Key()) {
      return key;
    }
    byte[] decoded = decodeBase64(key);
    if (decoded == null) {
      metaFlagsError = TextError.META_KEY_DECODING;
    }
    return decoded;
  }

  /**
   * Decodes a base64 key as memcached 1.6.18's {@code base64_decode}: bytes outside the alphabet
   * (and {@code =}) are skipped; the rest must be whole groups of four; a {@code =} in the third
   * or fourth place of a group ends the data there.
   *
   * @return the decoded bytes, or {@code null} when nothing decodes (memcached's error)
   */
  static byte[] decodeBase64(byte[] encoded) {
    byte[] chars = new byte[encoded.length];
    int n = 0;
    for (byte c : encoded) {
      if (c == '=' || base64Value(c) >= 0) {
        chars[n++] = c;
      }
    }
    if (n == 0 || n % 4 != 0) {
      return null;
    }
    byte[] out = new byte[n / 4 * 3];
    int o = 0;
    for (int i = 0; i < n; i += 4) {
      if (chars[i] == '=' || chars[i + 1] == '=') {
        break;
      }
      int bits = base64Value(chars[i]) << 18 | base64Value(chars[i + 1]) << 12;
      out[o++] = (byte) (bits >> 16);
      if (chars[i + 2] == '=') {
        break;
      }
      bits |= base64Value(chars[i + 2]) << 6;
      out[o++] = (byte) (bits >> 8);
      if (chars[i + 3] == '=') {
        break;
      }
      bits |= base64Value(chars[i + 3]);
      out[o++] = (byte) bits;
    }
    return o == 0 ? null : Arrays.copyOf(out, o);
  }

  /** The value of a base64 character, or -1 (also for {@code =}). */
  private static int base64Value(byte c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  }

  /** {@code <verb> <key> <flags> <exptime> <bytes> [<cas unique>] [noreply]}, memcached's order. */
  private TextRequest parseStorage(ByteBuf in, TextVerb verb) {
    Tokenizer t = tokenizer;
    boolean noreply = lastWordIsNoreply(in);
    if (keyTooLong(1)) {
      return TextRequest.error(verb, TextError.BAD_COMMAND_LINE_FORMAT, noreply);
    }
    long flags = AsciiNumbers.parseUnsigned32(in, t.start(2), t.end(2), scratch);
    long exptime = AsciiNumbers.parseInt32(in, t.start(3), t.end(3), scratch);
    long length = AsciiNumbers.parseInt32(in, t.start(4), t.end(4), scratch);
    if (flags < 0 || exptime == AsciiNumbers.INVALID || length == AsciiNumbers.INVALID) {
      return TextRequest.error(verb, TextError.BAD_COMMAND_LINE_FORMAT, noreply);
    }
    long cas = 0;
    if (verb == TextVerb.CAS) {
      if (!AsciiNumbers.parseUnsigned64(in, t.start(5), t.end(5), scratch)) {
        return TextRequest.error(verb, TextError.BAD_COMMAND_LINE_FORMAT, noreply);
      }
      cas = scratch[0];
    }
    if (length < 0 || length > Integer.MAX_VALUE - 2) {
      return TextRequest.error(verb, TextError.BAD_COMMAND_LINE_FORMAT, noreply);
    }
    byte[] key = copyWord(in, 1);
    if (length > maxItemSize) {
      state = State.SWALLOW_DATA;
      swallowRemaining = length + 2;
      return TextRequest.tooLarge(verb, key, noreply);
    }
    pendingVerb = verb;
    pendingNoreply = noreply;
    if (length > streamAbove && verb != TextVerb.APPEND && verb != TextVerb.PREPEND) {
      state = State.STREAM_DATA;
      streamRemaining = length;
      return TextRequest.storageStreamed(verb, key, (int) flags, exptime, cas, length, noreply);
    }
    pendingKey = key;
    pendingFlags = (int) flags;
    pendingExptime = exptime;
    pendingCas = cas;
    pendingData = new byte[(int) length];
    pendingDataRead = 0;
    state = State.READ_DATA;
    return null;
  }

  /** {@code delete <key> [0] [noreply]}: memcached still accepts the legacy hold time 0. */
  private TextRequest parseDelete(ByteBuf in) {
    Tokenizer t = tokenizer;
    int words = t.count;
    boolean noreply = false;
    if (words > 2) {
      boolean holdIsZero = t.length(2) == 1 && in.getByte(t.start(2)) == '0';
      noreply = lastWordIsNoreply(in);
      boolean valid =
          (words == 3 && (holdIsZero || noreply)) || (words == 4 && holdIsZero && noreply);
      if (!valid) {
        return TextRequest.error(TextVerb.DELETE, TextError.BAD_DELETE_FORMAT, noreply);
      }
    }
    if (keyTooLong(1)) {
      return TextRequest.error(TextVerb.DELETE, TextError.BAD_COMMAND_LINE_FORMAT, noreply);
    }
    return TextRequest.keyed(TextVerb.DELETE, copyWord(in, 1), 0, 0, noreply);
  }

  private TextRequest parseArithmetic(ByteBuf in, TextVerb verb) {
    Tokenizer t = tokenizer;
    boolean noreply = lastWordIsNoreply(in);
    if (keyTooLong(1)) {
      return TextRequest.error(verb, TextError.BAD_COMMAND_LINE_FORMAT, noreply);
    }
    if (!AsciiNumbers.parseUnsigned64(in, t.start(2), t.end(2), scratch)) {
      return TextRequest.error(verb, TextError.INVALID_DELTA, noreply);
    }
    return TextRequest.keyed(verb, copyWord(in, 1), 0, scratch[0], noreply);
  }

  private TextRequest parseTouch(ByteBuf in) {
    Tokenizer t = tokenizer;
    boolean noreply = lastWordIsNoreply(in);
    if (keyTooLong(1)) {
      return TextRequest.error(TextVerb.TOUCH, TextError.BAD_COMMAND_LINE_FORMAT, noreply);
    }
    long exptime = AsciiNumbers.parseInt32(in, t.start(2), t.end(2), scratch);
    if (exptime == AsciiNumbers.INVALID) {
      return TextRequest.error(TextVerb.TOUCH, TextError.INVALID_EXPTIME, noreply);
    }
    return TextRequest.keyed(TextVerb.TOUCH, copyWord(in, 1), exptime, 0, noreply);
  }

  /** {@code flush_all [delay] [noreply]}: a word other than a trailing noreply is the delay. */
  private TextRequest parseFlushAll(ByteBuf in) {
    Tokenizer t = tokenizer;
    boolean noreply = lastWordIsNoreply(in);
    long delay = 0;
    if (t.count != (noreply ? 2 : 1)) {
      delay = AsciiNumbers.parseInt32(in, t.start(1), t.end(1), scratch);
      if (delay == AsciiNumbers.INVALID) {
        return TextRequest.error(TextVerb.FLUSH_ALL, TextError.INVALID_EXPTIME, noreply);
      }
    }
    return TextRequest.keyless(TextVerb.FLUSH_ALL, delay, noreply);
  }

  private TextRequest parseVerbosity(ByteBuf in) {
    Tokenizer t = tokenizer;
    boolean noreply = lastWordIsNoreply(in);
    long level = AsciiNumbers.parseUnsigned32(in, t.start(1), t.end(1), scratch);
    if (level < 0) {
      return TextRequest.error(TextVerb.VERBOSITY, TextError.BAD_COMMAND_LINE_FORMAT, noreply);
    }
    return TextRequest.keyless(TextVerb.VERBOSITY, level, noreply);
  }

  private void readData(ByteBuf in, List<Object> out) {
    byte[] data = pendingData;
    if (pendingDataRead < data.length) {
      int n = Math.min(in.readableBytes(), data.length - pendingDataRead);
      in.readBytes(data, pendingDataRead, n);
      pendingDataRead += n;
      if (pendingDataRead < data.length) {
        return;
      }
    }
    if (in.readableBytes() < 2) {
      return;
    }
    int i = in.readerIndex();
    boolean terminated = in.getByte(i) == '\r' && in.getByte(i + 1) == '\n';
    in.skipBytes(2);
    TextRequest request;
    if (!terminated) {
      request = TextRequest.error(pendingVerb, TextError.BAD_DATA_CHUNK, pendingNoreply);
    } else if (pendingMeta != null) {
      request = TextRequest.meta(pendingVerb, pendingKey, pendingMeta, data);
    } else {
      request = TextRequest.storage(
          pendingVerb, pendingKey, pendingFlags, pendingExptime, pendingCas, data, pendingNoreply);
    }
    out.add(request);
    pendingMeta = null;
    pendingVerb = null;
    pendingKey = null;
    pendingData = null;
    state = State.READ_LINE;
  }

  /** Hands on a streamed data block as slices of the input, then its end. */
  private void streamData(ByteBuf in, List<Object> out) {
    while (streamRemaining > 0) {
      int n = (int) Math.min(in.readableBytes(), streamRemaining);
      if (n == 0) {
        return;
      }
      out.add(new StreamPart(in.readRetainedSlice(n)));
      streamRemaining -= n;
    }
    if (in.readableBytes() < 2) {
      return;
    }
    int i = in.readerIndex();
    boolean terminated = in.getByte(i) == '\r' && in.getByte(i + 1) == '\n';
    in.skipBytes(2);
    out.add(TextRequest.streamEnd(pendingVerb, terminated, pendingNoreply));
    pendingVerb = null;
    state = State.READ_LINE;
  }

  private void swallowData(ByteBuf in) {
    int n = (int) Math.min(in.readableBytes(), swallowRemaining);
    in.skipBytes(n);
    swallowRemaining -= n;
    if (swallowRemaining == 0) {
      state = State.READ_LINE;
    }
  }

  /**
   * Splits a line into words at spaces, keeping each word as a pair of absolute offsets; stops at
   * a NUL byte. Grows as needed; a line holds at most half its length in words.
   */
  private static final class Tokenizer implements ByteProcessor {
    private int[] bounds = new int[16];
    private int count;
    private int index;
    private int wordStart;

    void split(ByteBuf in, int start, int end) {
      count = 0;
      index = start;
      wordStart = -1;
      if (end > start) {
        int stop = in.forEachByte(start, end - start, this);
        index = stop < 0 ? end : stop;
      }
      if (wordStart >= 0) {
        add(wordStart, index);
      }
    }

    @Override
    public boolean process(byte value) {
      if (value == 0) {
        return false;
      }
      if (value == ' ') {
        if (wordStart >= 0) {
          add(wordStart, index);
          wordStart = -1;
        }
      } else if (wordStart < 0) {
        wordStart = index;
      }
      index++;
      return true;
    }

    private void add(int from, int to) {
      if (2 * count + 2 > bounds.length) {
        bounds = Arrays.copyOf(bounds, bounds.length * 2);
      }
      bounds[2 * count] = from;
      bounds[2 * count + 1] = to;
      count++;
    }

    int start(int word) {
      return bounds[2 * word];
    }

    int end(int word) {
      return bounds[2 * word + 1];
    }

    int length(int word) {
      return bounds[2 * word + 1] - bounds[2 * word];
    }
  }
}
