package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Pub/Sub on one node: the exact confirmations and messages in RESP2 and RESP3, patterns, what a
 * subscribed RESP2 connection may run, {@code PUBSUB}, and client-side caching's {@code REDIRECT}
 * to a RESP2 subscriber. Subclasses run it against Sidecache and a real redis-server.
 */
abstract class RespPubSubConformance {
  private static final String OK = "+OK\r\n";
  private RawResp sub;
  private RawResp pub;
  private String prefix;

  /** Returns the address of the server under test. */
  abstract InetSocketAddress respAddress();

  @BeforeEach
  void connect(TestInfo info) throws IOException {
    sub = new RawResp(respAddress());
    pub = new RawResp(respAddress());
    prefix = info.getTestMethod().orElseThrow().getName() + "." + System.nanoTime() + ".";
  }

  @AfterEach
  void disconnect() throws IOException {
    sub.close();
    pub.close();
  }

  private static String bulk(String s) {
    return "$" + s.length() + "\r\n" + s + "\r\n";
  }

  @Test
  void aSubscriberGetsTheMessagesOfItsChannelsOnly() throws IOException {
    String ch = prefix + "a";
    String other = prefix + "b";
    sub.send(RawResp.command("SUBSCRIBE", ch, other));
    assertEquals("*3\r\n$9\r\nsubscribe\r\n" + bulk(ch) + ":1\r\n", sub.reply());
    assertEquals("*3\r\n$9\r\nsubscribe\r\n" + bulk(other) + ":2\r\n", sub.reply());
    assertEquals(":1\r\n", pub.call("PUBLISH", ch, "hello"));
    assertEquals("*3\r\n$7\r\nmessage\r\n" + bulk(ch) + bulk("hello"), sub.reply());
    assertEquals(":0\r\n", pub.call("PUBLISH", prefix + "c", "nobody"));
    assertEquals("*3\r\n$11\r\nunsubscribe\r\n" + bulk(other) + ":1\r\n",
        sub.call("UNSUBSCRIBE", other));
    assertEquals(":0\r\n", pub.call("PUBLISH", other, "gone"));
    assertNull(sub.replyWithin(300));
    assertEquals("*3\r\n$11\r\nunsubscribe\r\n" + bulk(ch) + ":0\r\n", sub.call("UNSUBSCRIBE"));
    assertEquals("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", sub.call("UNSUBSCRIBE"));
    assertEquals("$-1\r\n", sub.call("GET", prefix + "k"), "out of Pub/Sub mode again");
  }

  @Test
  void aSubscribedRespTwoConnectionOnlySubscribesAndPings() throws IOException {
    assertTrue(sub.call("SUBSCRIBE", prefix + "a").startsWith("*3\r\n$9\r\nsubscribe"));
    assertEquals("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT"
        + " / RESET are allowed in this context\r\n", sub.call("GET", prefix + "k"));
    assertEquals("-ERR Can't execute 'set': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT"
        + " / RESET are allowed in this context\r\n",
        sub.call("SET", prefix + "k", "x".repeat(200_000)), "a value long enough to stream in");
    assertEquals("*2\r\n$4\r\npong\r\n$0\r\n\r\n", sub.call("PING"));
    assertEquals("*2\r\n$4\r\npong\r\n" + bulk("hi"), sub.call("PING", "hi"));
  }

  @Test
  void aPatternSubscriberGetsEveryMatchingChannel() throws IOException {
    String pattern = prefix + "news.*";
    String ch = prefix + "news.tech";
    assertEquals("*3\r\n$10\r\npsubscribe\r\n" + bulk(pattern) + ":1\r\n",
        sub.call("PSUBSCRIBE", pattern));
    assertEquals(":1\r\n", pub.call("PUBLISH", ch, "hi"));
    assertEquals("*4\r\n$8\r\npmessage\r\n" + bulk(pattern) + bulk(ch) + bulk("hi"),
        sub.reply());
    assertEquals(":0\r\n", pub.call("PUBLISH", prefix + "sport", "no"));
    assertEquals("*3\r\n$12\r\npunsubscribe\r\n" + bulk(pattern) + ":0\r\n",
        sub.call("PUNSUBSCRIBE"));
  }

  @Test
  void respThreeConfirmsAndDeliversAsPushesAndKeepsEveryCommand() throws IOException {
    String ch = prefix + "a";
    assertTrue(sub.call("HELLO", "3").startsWith("%7\r\n"));
    assertEquals(">3\r\n$9\r\nsubscribe\r\n" + bulk(ch) + ":1\r\n", sub.call("SUBSCRIBE", ch));
    assertEquals("_\r\n", sub.call("GET", prefix + "k"));
    assertEquals("+PONG\r\n", sub.call("PING"));
    assertEquals(":1\r\n", pub.call("PUBLISH", ch, "x"));
    assertEquals(">3\r\n$7\r\nmessage\r\n" + bulk(ch) + bulk("x"), sub.reply());
  }

  @Test
  void pubsubReportsChannelsSubscribersAndPatterns() throws IOException {
    String ch = prefix + "a";
    assertTrue(sub.call("SUBSCRIBE", ch).startsWith("*3"));
    assertEquals("*1\r\n" + bulk(ch), pub.call("PUBSUB", "CHANNELS", prefix + "*"));
    assertEquals("*4\r\n" + bulk(ch) + ":1\r\n" + bulk(prefix + "none") + ":0\r\n",
        pub.call("PUBSUB", "NUMSUB", ch, prefix + "none"));
    String numpat = pub.call("PUBSUB", "NUMPAT");
    assertTrue(numpat.startsWith(":"), numpat);
  }

  /**
   * A subscriber that stops reading is closed once its unread messages pass the Pub/Sub output
   * limit (Redis's default {@code client-output-buffer-limit pubsub 32mb}), not buffered without
   * bound; the publisher and other clients go on.
   */
  @Test
  void aSubscriberThatDoesNotReadIsClosedAtTheOutputLimit() throws IOException {
    String ch = prefix + "flood";
    assertTrue(sub.call("SUBSCRIBE", ch).startsWith("*3"));
    byte[] publish = RawResp.command("PUBLISH", ch, "x".repeat(1024));
    java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 1000; i++) {
      batch.writeBytes(publish);
    }
    byte[] thousand = batch.toByteArray();
    long delivered = 0;
    for (int round = 0; round < 64; round++) { // 64 MiB of messages at most
      pub.send(thousand);
      for (int i = 0; i < 1000; i++) {
        delivered += Long.parseLong(pub.reply().trim().substring(1));
      }
    }
    assertTrue(delivered < 64_000, "the subscriber was dropped: " + delivered + " delivered");
    assertEquals(":0\r\n", pub.call("PUBLISH", ch, "after"));
    assertEquals("$-1\r\n", pub.call("GET", prefix + "k"));
  }

  @Test
  void trackingRedirectsToARespTwoSubscriberAsMessages() throws IOException {
    String k = prefix + "k";
    assertEquals("*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n",
        sub.call("SUBSCRIBE", "__redis__:invalidate"));
    try (RawResp idOf = new RawResp(respAddress()); RawResp tracker = new RawResp(respAddress())) {
      // the subscriber cannot run CLIENT ID now: find its id in CLIENT LIST by its flags
      String list = idOf.call("CLIENT", "LIST");
      String line = list.lines().filter(l -> l.contains("flags=P")).findFirst().orElseThrow();
      String id = line.substring(line.indexOf("id=") + 3, line.indexOf(' ', line.indexOf("id=")));
      assertEquals(OK, tracker.call("CLIENT", "TRACKING", "ON", "REDIRECT", id));
      assertEquals("$-1\r\n", tracker.call("GET", k));
      assertEquals(OK, pub.call("SET", k, "v"));
      assertEquals("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n" + bulk(k),
          sub.reply());
      assertNull(tracker.replyWithin(200), "a RESP2 tracking client itself gets nothing");
    }
  }
}
