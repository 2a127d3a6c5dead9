package io.sidecache.memcached;

/**
 * The flags of one memcached meta command ({@code mg}, {@code ms}, {@code md}, {@code ma}), as
 * parsed by {@link MemcachedTextDecoder} (protocol.txt, "Meta Commands"; checked against memcached
 * 1.6.18's {@code _meta_flag_preparse}).
 *
 * <p>A flag is one character, optionally followed by a token ({@code T30}, {@code Oabc}). Which
 * flags were given is a bit set over the characters {@code A} to {@code z}; the order they were
 * given in is kept too, because the reply echoes the return flags ({@code k}, {@code O}, {@code
 * c}, {@code s}, ...) in request order. Numbers keep their wire meaning: times are exptimes in
 * seconds as sent (converted by the handler like every other exptime).
 *
 * <p>Effectively immutable once the decoder hands the request on; safe to read from any thread
 * after that. The arrays are shared and must not be modified.
 */
public final class MetaFlags {
  private long present;
  private final byte[] order;
  private int count;
  private byte[] opaque;
  private boolean base64Key;
  private byte mode;
  private long ttl;
  private long vivifyTtl;
  private long recacheTtl;
  private int clientFlags;
  private long compareCas;
  private long delta = 1;
  private long initial;

  MetaFlags(int capacity) {
    this.order = new byte[capacity];
  }

  /** Returns the bit of a flag character, or 0 for a character that is not a letter flag. */
  private static long bit(int c) {
    return c >= 'A' && c <= 'z' ? 1L << (c - 'A') : 0;
  }

  /** Records that flag {@code c} was given; the caller has checked it is new. */
  void add(byte c) {
    present |= bit(c);
    order[count++] = c;
  }

  /**
   * Returns whether a flag was given.
   *
   * @param c the flag character, e.g. {@code 'v'}
   * @return {@code true} when the request carried it
   */
  public boolean has(char c) {
    return (present & bit(c)) != 0;
  }

  /** Returns how many flags were given. */
  public int count() {
    return count;
  }

  /**
   * Returns the character of the {@code i}-th flag as given.
   *
   * @param i 0 to {@link #count()} - 1
   * @return the flag character
   */
  public byte flagAt(int i) {
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException("i: " + i + " (expected: 0.." + (count - 1) + ")");
    }
    return order[i];
  }

  void opaque(byte[] token) {
    this.opaque = token;
  }

  /** Returns the whole {@code O} token, the {@code O} included, as echoed back; or {@code null}. */
  public byte[] opaque() {
    return opaque;
  }

  void base64Key(boolean b) {
    this.base64Key = b;
  }

  /** Returns whether the key was sent base64-encoded ({@code b}); replies encode it again. */
  public boolean base64Key() {
    return base64Key;
  }

  void mode(byte m) {
    this.mode = m;
  }

  /** Returns the {@code M} mode character, or 0 when none was given. */
  public byte mode() {
    return mode;
  }

  void ttl(long seconds) {
    this.ttl = seconds;
  }

  /** Returns the {@code T} exptime in seconds as sent; meaningful when {@code has('T')}. */
  public long ttl() {
    return ttl;
  }

  void vivifyTtl(long seconds) {
    this.vivifyTtl = seconds;
  }

  /** Returns the {@code N} exptime in seconds as sent; meaningful when {@code has('N')}. */
  public long vivifyTtl() {
    return vivifyTtl;
  }

  void recacheTtl(long seconds) {
    this.recacheTtl = seconds;
  }

  /** Returns the {@code R} exptime in seconds as sent; meaningful when {@code has('R')}. */
  public long recacheTtl() {
    return recacheTtl;
  }

  void clientFlags(int flags) {
    this.clientFlags = flags;
  }

  /** Returns the {@code F} client flags (32 unsigned bits), 0 when not given. */
  public int clientFlags() {
    return clientFlags;
  }

  void compareCas(long cas) {
    this.compareCas = cas;
  }

  /** Returns the {@code C} CAS value as unsigned bits; meaningful when {@code has('C')}. */
  public long compareCas() {
    return compareCas;
  }

  void delta(long d) {
    this.delta = d;
  }

  /** Returns the {@code D} delta as unsigned bits, 1 when not given (memcached's default). */
  public long delta() {
    return delta;
  }

  void initial(long j) {
    this.initial = j;
  }

  /** Returns the {@code J} initial value as unsigned bits, 0 when not given. */
  public long initial() {
    return initial;
  }

  /** Returns whether {@code q} asked to suppress the nominal reply. */
  public boolean quiet() {
    return has('q');
  }
}
