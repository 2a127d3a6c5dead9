package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
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
 *   <li>A line longer than {@value #MAX_LINE_LENGTH} bytes, or {@value #MAX_GET_LINE_LENGTH} bytes
 *       for a {@code get}/{@code gets} line, gives {@link TextError#LINE_TOO_LONG}, after which
 *       every further byte is discarded: the handler closes the connection. memcached applies its
 *       2048-byte limit to whatever it has buffered without a newline, so whether it closes
 *       depends on how the bytes arrive; here the limit applies to the line itself, so the outcome
 *       never depends on TCP segmentation. memcached accepts {@code get} lines of any length; here
 *       they are capped so a connection cannot buffer without bound.
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

  /** The longest {@code get}/{@code gets} line in bytes, without its terminator. */
  public static final int MAX_GET_LINE_LENGTH = 64 * 1024;

  /** How many leading spaces memcached skips when it looks for a long multi-get. */
  private static final int MAX_LEADING_SPACES = 100;

  private static final byte[] NOREPLY = "noreply".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GET_SPACE = "get ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GETS_SPACE = "gets ".getBytes(StandardCharsets.US_ASCII);

  private enum State {
    /** Reading a command line. */
    READ_LINE,
    /** Copying a storage command's data block, then checking its {@code \r\n}. */
    READ_DATA,
    /** Dropping the data block of a refused storage command. */
    SWALLOW_DATA,
    /** Dropping everything: the connection is being closed. */
    DISCARD
  }

  private final int maxItemSize;
  private final Tokenizer tokenizer = new Tokenizer();
  private final long[] scratch = new long[2];

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
  private byte[] pendingData;
  private int pendingDataRead;

  private long swallowRemaining;

  /**
   * Creates a decoder.
   *
   * @param maxItemSizeBytes the largest data block a storage command may carry, in bytes; larger
   *     ones are answered {@link TextError#OBJECT_TOO_LARGE} (memcached {@code -I}, 1 MiB by
   *     default)
   * @throws IllegalArgumentException if {@code maxItemSizeBytes} is negative
   */
  public MemcachedTextDecoder(int maxItemSizeBytes) {
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
      if (lineLimit < MAX_GET_LINE_LENGTH && isMultiGet(in, start, readable)) {
        lineLimit = MAX_GET_LINE_LENGTH;
        continue;
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

  /** memcached's test for a long line it keeps reading: up to 100 spaces, "get " or "gets ". */
  private static boolean isMultiGet(ByteBuf in, int start, int readable) {
    int i = start;
    int end = start + readable;
    while (i < end && i - start <= MAX_LEADING_SPACES && in.getByte(i) == ' ') {
      i++;
    }
    if (i - start > MAX_LEADING_SPACES) {
      return false;
    }
    return startsWith(in, i, end, GET_SPACE) || startsWith(in, i, end, GETS_SPACE);
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
    if (verb == null || !verb.acceptsWords(words)) {
      return TextRequest.error(verb, TextError.UNKNOWN_COMMAND, false);
    }
    switch (verb) {
      case GET:
      case GETS:
        return parseRetrieval(in, verb);
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
        return TextRequest.stats(words > 1 ? copyWord(in, 1) : null);
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
    pendingKey = key;
    pendingFlags = (int) flags;
    pendingExptime = exptime;
    pendingCas = cas;
    pendingNoreply = noreply;
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
    out.add(
        terminated
            ? TextRequest.storage(
                pendingVerb, pendingKey, pendingFlags, pendingExptime, pendingCas, data,
                pendingNoreply)
            : TextRequest.error(pendingVerb, TextError.BAD_DATA_CHUNK, pendingNoreply));
    pendingVerb = null;
    pendingKey = null;
    pendingData = null;
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
