package io.sidecache.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class KeyTest {
  /** Lengths on both sides of the inline words' edges, bytes biased to 0x00 and 0xFF. */
  private static byte[] randomBytes(SplittableRandom r) {
    byte[] b = new byte[r.nextInt(Key.INLINE_BYTES * 2 + 8)];
    for (int i = 0; i < b.length; i++) {
      int pick = r.nextInt(4);
      b[i] = pick == 0 ? 0 : pick == 1 ? (byte) 0xFF : (byte) r.nextInt(256);
    }
    return b;
  }

  @Test
  void bytesLengthAndHashAreThoseOfTheArray() {
    SplittableRandom r = new SplittableRandom(42);
    for (int n = 0; n < 20_000; n++) {
      byte[] b = randomBytes(r);
      byte[] copy = b.clone();
      Key k = Key.of(b);
      Arrays.fill(b, (byte) 1); // the key keeps none of the caller's array
      assertArrayEquals(copy, k.bytes(), () -> Arrays.toString(copy));
      assertEquals(copy.length, k.length());
      assertEquals(Arrays.hashCode(copy), k.hashCode()); // disk records store this hash
    }
  }

  @Test
  void equalityAndOrderFollowTheBytes() {
    SplittableRandom r = new SplittableRandom(7);
    for (int n = 0; n < 50_000; n++) {
      byte[] a = randomBytes(r);
      // Half the pairs share a prefix, so that they differ late or only in length.
      byte[] b = r.nextBoolean() ? randomBytes(r) : Arrays.copyOf(a, r.nextInt(a.length + 2));
      Key ka = Key.of(a);
      Key kb = Key.of(b);
      assertEquals(Arrays.equals(a, b), ka.equals(kb),
          () -> Arrays.toString(a) + " " + Arrays.toString(b));
      assertEquals(ka.equals(kb), kb.equals(ka));
      assertEquals(Integer.signum(Arrays.compareUnsigned(a, b)), Integer.signum(ka.compareTo(kb)),
          () -> Arrays.toString(a) + " " + Arrays.toString(b));
    }
  }

  @Test
  void trailingZeroBytesAreOfTheKey() {
    Key a = Key.of(new byte[] {'a'});
    Key a0 = Key.of(new byte[] {'a', 0});
    assertNotEquals(a, a0);
    assertTrue(a.compareTo(a0) < 0);
    assertNotEquals(Key.of(new byte[0]), Key.of(new byte[1]));
    assertTrue(Key.of(new byte[16]).compareTo(Key.of(new byte[17])) < 0);
    assertEquals(Key.of("key:000000012345"), Key.of("key:000000012345".getBytes()));
  }

  /**
   * Keys built of "Aa" and "BB" blocks all have one hash ({@code Arrays.hashCode} is
   * polynomial), so a map holds each length's keys in one bin, which it turns into a tree ordered
   * by {@code compareTo}: every key must still be found, at and past the inline length.
   */
  @Test
  void collidingKeysAreAllFoundInATreeBin() {
    Map<Key, byte[]> map = new ConcurrentHashMap<>();
    List<byte[]> all = new ArrayList<>();
    for (int blocks : new int[] {8, 11}) { // 16 bytes, all inline; 22 bytes, 6 of them in the rest
      for (int bits = 0; bits < 1 << blocks; bits++) {
        byte[] b = new byte[2 * blocks];
        for (int i = 0; i < blocks; i++) {
          boolean aa = (bits >>> i & 1) == 0;
          b[2 * i] = (byte) (aa ? 'A' : 'B');
          b[2 * i + 1] = (byte) (aa ? 'a' : 'B');
        }
        all.add(b);
        map.put(Key.of(b), b);
      }
    }
    for (int length : new int[] {16, 22}) {
      assertEquals(1, all.stream().filter(b -> b.length == length).map(Arrays::hashCode)
          .distinct().count());
    }
    assertEquals(all.size(), map.size());
    for (byte[] b : all) {
      assertArrayEquals(b, map.get(Key.of(b.clone())));
    }
  }

  /**
   * HashMap and ConcurrentHashMap order a colliding bin's keys by {@code compareTo} only when the
   * key's own class declares {@code Comparable<ItsClass>} (their {@code comparableClassFor}); else
   * a flooded bin is searched linearly.
   */
  @Test
  void keysAreComparableAsTreeBinsRequire() {
    boolean found = false;
    for (Type t : Key.class.getGenericInterfaces()) {
      found |= t instanceof ParameterizedType p && p.getRawType() == Comparable.class
          && p.getActualTypeArguments()[0] == Key.class;
    }
    assertTrue(found, "Key is not Comparable<Key>");
  }
}
