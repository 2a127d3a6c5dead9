package io.sidecache.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The peer handshake between two in-memory channels whose bytes are shuttled by the test. */
class PeerHandshakeTest {

  /** Records what passes the handshake: the authenticated event and the bytes after it. */
  private static final class Recorder extends ChannelInboundHandlerAdapter {
    String peer;
    final StringBuilder data = new StringBuilder();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof PeerHandshake.Authenticated a) {
        peer = a.nodeId();
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      data.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
  }

  private final Recorder clientSide = new Recorder();
  private final Recorder serverSide = new Recorder();

  private EmbeddedChannel client(String secret, String id, String peer, Recorder r) {
    return new EmbeddedChannel(PeerHandshake.connecting(secret, id, peer), r);
  }

  private EmbeddedChannel server(String secret, String id, Recorder r) {
    return new EmbeddedChannel(PeerHandshake.accepting(secret, id), r);
  }

  /** Moves every outbound byte of each channel to the other until neither has anything. */
  private static void shuttle(EmbeddedChannel a, EmbeddedChannel b) {
    boolean moved = true;
    while (moved) {
      moved = move(a, b) | move(b, a);
    }
  }

  private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
    boolean moved = false;
    ByteBuf out;
    while ((out = from.readOutbound()) != null) {
      moved = true;
      if (to.isOpen()) {
        to.writeInbound(out);
      } else {
        out.release();
      }
    }
    return moved;
  }

  @Test
  void sameSecret_bothAuthenticated_laterBytesPassThrough() {
    EmbeddedChannel client = client("s3cret", "node-a", "node-b", clientSide);
    EmbeddedChannel server = server("s3cret", "node-b", serverSide);
    shuttle(client, server);
    assertEquals("node-b", clientSide.peer);
    assertEquals("node-a", serverSide.peer);
    assertNull(client.pipeline().get(PeerHandshake.class));
    assertNull(server.pipeline().get(PeerHandshake.class));
    client.writeOutbound(Unpooled.copiedBuffer("PING", StandardCharsets.UTF_8));
    shuttle(client, server);
    assertEquals("PING", serverSide.data.toString());
    client.finishAndReleaseAll();
    server.finishAndReleaseAll();
  }

  @Test
  void wrongSecret_bothRefused_nothingPasses() {
    EmbeddedChannel client = client("guess", "intruder", "node-b", clientSide);
    EmbeddedChannel server = server("s3cret", "node-b", serverSide);
    shuttle(client, server);
    // The client checks the server's proof first: it closes without proving anything.
    assertFalse(client.isOpen());
    assertNull(clientSide.peer);
    assertNull(serverSide.peer);
    server.writeInbound(Unpooled.copiedBuffer("SET k v", StandardCharsets.UTF_8));
    assertEquals("", serverSide.data.toString());
    client.finishAndReleaseAll();
    server.finishAndReleaseAll();
  }

  @Test
  void serverProofReflected_refused() {
    // An attacker without the secret connects twice: it cannot turn the server's proof on one
    // connection into the client proof the server wants on the other, as the role letter differs.
    EmbeddedChannel server = server("s3cret", "node-b", serverSide);
    byte[] nonce = new byte[PeerHandshake.NONCE_BYTES];
    ByteBuf hello = Unpooled.buffer().writeBytes(new byte[] {'S', 'C', 'P', '1', 1, 'x'})
        .writeBytes(nonce);
    server.writeInbound(hello);
    ByteBuf reply = server.readOutbound();
    byte[] serverProof = new byte[PeerHandshake.PROOF_BYTES];
    reply.getBytes(reply.writerIndex() - PeerHandshake.PROOF_BYTES, serverProof);
    reply.release();
    server.writeInbound(Unpooled.wrappedBuffer(serverProof));
    assertFalse(server.isOpen());
    assertNull(serverSide.peer);
    server.finishAndReleaseAll();
  }

  @Test
  void garbageOrSilence_closed() {
    EmbeddedChannel server = server("s3cret", "node-b", serverSide);
    server.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.UTF_8));
    assertFalse(server.isOpen());
    server.finishAndReleaseAll();

    Recorder r = new Recorder();
    EmbeddedChannel silent = server("s3cret", "node-c", r);
    silent.advanceTimeBy(PeerHandshake.TIMEOUT_MILLIS + 1, TimeUnit.MILLISECONDS);
    silent.runScheduledPendingTasks();
    assertFalse(silent.isOpen());
    silent.finishAndReleaseAll();
  }

  @Test
  void handshakeSplitIntoSingleBytes_stillCompletes() {
    EmbeddedChannel client = client("s3cret", "node-a", "node-b", clientSide);
    EmbeddedChannel server = server("s3cret", "node-b", serverSide);
    boolean moved = true;
    while (moved) {
      moved = false;
      for (EmbeddedChannel[] pair : new EmbeddedChannel[][] {{client, server}, {server, client}}) {
        ByteBuf out;
        List<ByteBuf> all = new ArrayList<>();
        while ((out = pair[0].readOutbound()) != null) {
          all.add(out);
        }
        for (ByteBuf b : all) {
          while (b.isReadable()) {
            pair[1].writeInbound(b.readRetainedSlice(1));
            moved = true;
          }
          b.release();
        }
      }
    }
    assertEquals("node-b", clientSide.peer);
    assertEquals("node-a", serverSide.peer);
    assertTrue(client.isOpen() && server.isOpen());
    client.finishAndReleaseAll();
    server.finishAndReleaseAll();
  }

  @Test
  void peerNotTheNodeDialled_refused() {
    // A relay answering for another node: the client meant node-x, node-b answers.
    EmbeddedChannel client = client("s3cret", "node-a", "node-x", clientSide);
    EmbeddedChannel server = server("s3cret", "node-b", serverSide);
    shuttle(client, server);
    assertFalse(client.isOpen());
    assertNull(clientSide.peer);
    assertNull(serverSide.peer);
    client.finishAndReleaseAll();
    server.finishAndReleaseAll();
  }

  @Test
  void peerClaimingOurOwnId_refused() {
    // A node's own handshake reflected back at it.
    EmbeddedChannel client = client("s3cret", "node-a", "node-a", clientSide);
    EmbeddedChannel server = server("s3cret", "node-a", serverSide);
    shuttle(client, server);
    assertFalse(server.isOpen());
    assertNull(clientSide.peer);
    assertNull(serverSide.peer);
    client.finishAndReleaseAll();
    server.finishAndReleaseAll();
  }
}
