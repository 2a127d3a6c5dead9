package io.sidecache.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyTest {
  /** Lengths around both forms and the inline words' edges, bytes biased to 0x00 and 0xFF. */
  private static byte[] randomBytes(SplittableRandom r) {
    byte[] b = new byte[r.nextInt(Key.INLINE_MAX + 12)];
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
      Key ka = Key.of(a.clone());
      Key kb = Key.of(b.clone());
      boolean same = Arrays.equals(a, b);
      assertEquals(same, ka.equals(kb), () -> Arrays.toString(a) + " " + Arrays.toString(b));
      assertEquals(same, kb.equals(ka));
      if ((a.length <= Key.INLINE_MAX) == (b.length <= Key.INLINE_MAX)) {
        assertEquals(Integer.signum(Arrays.compareUnsigned(a, b)), Integer.signum(compare(ka, kb)),
            () -> Arrays.toString(a) + " " + Arrays.toString(b));
      }
    }
  }

  @Test
  void trailingZeroBytesAreOfTheKey() {
    Key a = Key.of(new byte[] {'a'});
    Key a0 = Key.of(new byte[] {'a', 0});
    assertNotEquals(a, a0);
    assertTrue(compare(a, a0) < 0);
    assertNotEquals(Key.of(new byte[0]), Key.of(new byte[1]));
    assertEquals(Key.of("key:000000012345"), Key.of("key:000000012345".getBytes()));
  }

  @Test
  void aKeyOfEitherFormWorksInAHashMap() {
    Map<Key, Integer> map = new HashMap<>();
    for (int len = 0; len <= Key.INLINE_MAX + 4; len++) {
      byte[] b = new byte[len];
      Arrays.fill(b, (byte) 'x');
      map.put(Key.of(b), len);
    }
    for (int len = 0; len <= Key.INLINE_MAX + 4; len++) {
      byte[] b = new byte[len];
      Arrays.fill(b, (byte) 'x');
      assertEquals(len, map.get(Key.of(b)));
    }
  }

  /**
   * HashMap and ConcurrentHashMap order a colliding bin's keys by {@code compareTo} only when the
   * key's own class declares {@code Comparable<ItsClass>} (their {@code comparableClassFor}); else
   * a flooded bin is searched linearly.
   */
  @Test
  void eachFormIsComparableWithItselfAsTreeBinsRequire() {
    for (Key k : new Key[] {Key.of("short"), Key.of("a key longer than twenty bytes")}) {
      Class<?> c = k.getClass();
      boolean found = false;
      for (Type t : c.getGenericInterfaces()) {
        found |= t instanceof ParameterizedType p && p.getRawType() == Comparable.class
            && p.getActualTypeArguments()[0] == c;
      }
      assertTrue(found, c + " is not Comparable<" + c.getSimpleName() + ">");
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compare(Key a, Key b) {
    return ((Comparable) a).compareTo(b);
  }
}
