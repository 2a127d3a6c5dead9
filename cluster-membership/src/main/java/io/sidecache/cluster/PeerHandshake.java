package io.sidecache.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits a peer connection only between two nodes that hold the same cluster secret: a mutual
 * HMAC-SHA256 challenge-response, the first exchange on every peer connection (open-source
 * Hazelcast authenticates no member, so admission is Sidecache's; DESIGN.md "Cluster").
 *
 * <p>The exchange, with {@code C} the connecting side and {@code S} the accepting one:
 *
 * <ol>
 *   <li>C sends {@code HELLO(idC, nonceC)};
 *   <li>S sends {@code HELLO(idS, nonceS)} and {@code proofS = HMAC(secret, "S" | nonceC | nonceS
 *       | idC | idS)};
 *   <li>C checks {@code proofS} and only then sends {@code proofC = HMAC(secret, "C" | nonceC |
 *       nonceS | idC | idS)}, so C never proves itself to an impostor;
 *   <li>S checks {@code proofC} and sends {@code OK}.
 * </ol>
 *
 * <p>Both nonces are 32 fresh bytes from {@link SecureRandom}, so no proof can be replayed on
 * another connection; the role letter differs, so S's proof cannot be reflected back to S as
 * C's; proofs are compared with {@link MessageDigest#isEqual} (constant time). C checks that S
 * is the node it meant to reach (the id its ring entry names), and both refuse a peer that claims
 * their own id: a node without the secret cannot relay one node's handshake to another, or a
 * node's own handshake back to it. The handshake admits a connection; it does not protect the
 * bytes after it (TLS on the peer port does). {@code HELLO} is
 * the magic {@code SCP1}, one byte of node id length (1..255), the UTF-8 node id and the nonce; a
 * proof is 32 bytes; {@code OK} is one byte {@code 0x01}.
 *
 * <p>On success the handler fires {@link Authenticated} with the other node's id and removes
 * itself; bytes that followed the handshake go on to the next handler. On any failure (a wrong
 * proof, a malformed frame, no completed handshake within {@link #TIMEOUT_MILLIS}) the connection
 * closes; nothing is fired, so a node without the secret learns only the other side's node id
 * and nonce, and can send no request.
 *
 * <p>Not sharable: one instance per channel.
 */
public final class PeerHandshake extends ByteToMessageDecoder {
  /** How long a handshake may take before the connection closes, in milliseconds. */
  public static final long TIMEOUT_MILLIS = 5_000;

  static final int NONCE_BYTES = 32;
  static final int PROOF_BYTES = 32;
  private static final byte[] MAGIC = {'S', 'C', 'P', '1'};
  private static final byte OK = 1;
  private static final Logger log = LoggerFactory.getLogger(PeerHandshake.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Fired once the other node proved it holds the secret.
   *
   * @param nodeId the other node's id, as it sent it
   */
  public record Authenticated(String nodeId) {}

  private enum State { AWAIT_HELLO, AWAIT_PROOF, AWAIT_OK, DONE, FAILED }

  private final boolean connecting;
  private final SecretKeySpec key;
  private final byte[] selfId;
  private final byte[] expectedPeerId;
  private final byte[] nonce = new byte[NONCE_BYTES];
  private State state;
  private byte[] otherId;
  private byte[] otherNonce;
  private ScheduledFuture<?> deadline;
  private boolean started;

  /**
   * Creates the handshake of the side that accepted a connection.
   *
   * @param secret the cluster secret, not empty
   * @param selfId this node's id, 1..255 bytes of UTF-8
   * @return the handshake
   * @throws IllegalArgumentException if the secret is empty or the id out of bounds
   */
  public static PeerHandshake accepting(String secret, String selfId) {
    return new PeerHandshake(false, secret, selfId, null);
  }

  /**
   * Creates the handshake of the side that opened a connection to a known node.
   *
   * @param secret the cluster secret, not empty
   * @param selfId this node's id, 1..255 bytes of UTF-8
   * @param peerId the id of the node dialled, as its ring entry names it
   * @return the handshake
   * @throws IllegalArgumentException if the secret is empty or an id out of bounds
   */
  public static PeerHandshake connecting(String secret, String selfId, String peerId) {
    return new PeerHandshake(true, secret, selfId, Objects.requireNonNull(peerId, "peerId"));
  }

  private PeerHandshake(boolean connecting, String secret, String selfId, String peerId) {
    Objects.requireNonNull(secret, "secret");
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("secret: empty");
    }
    this.selfId = selfId.getBytes(StandardCharsets.UTF_8);
    if (this.selfId.length < 1 || this.selfId.length > 255) {
      throw new IllegalArgumentException(
          "selfId: " + this.selfId.length + " bytes (expected: 1..255)");
    }
    this.expectedPeerId = peerId == null ? null : peerId.getBytes(StandardCharsets.UTF_8);
    this.connecting = connecting;
    this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.state = State.AWAIT_HELLO;
    RANDOM.nextBytes(nonce);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    deadline = ctx.executor().schedule(() -> fail(ctx, "no handshake within "
        + TIMEOUT_MILLIS + " ms"), TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
    super.channelActive(ctx);
  }

  private void start(ChannelHandlerContext ctx) {
    if (started) {
      return;
    }
    started = true;
    if (connecting) {
      ctx.writeAndFlush(hello(ctx));
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case AWAIT_HELLO -> readHello(ctx, in);
      case AWAIT_PROOF -> {
        if (in.readableBytes() < PROOF_BYTES) {
          return;
        }
        byte[] proof = new byte[PROOF_BYTES];
        in.readBytes(proof);
        if (!MessageDigest.isEqual(proof, proof(!connecting))) {
          fail(ctx, "wrong proof: the peer does not hold the cluster secret");
          return;
        }
        if (connecting) {
          ctx.writeAndFlush(ctx.alloc().buffer(PROOF_BYTES).writeBytes(proof(true)));
          state = State.AWAIT_OK;
        } else {
          ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte(OK));
          succeed(ctx);
        }
      }
      case AWAIT_OK -> {
        if (!in.isReadable()) {
          return;
        }
        if (in.readByte() != OK) {
          fail(ctx, "malformed handshake: expected OK");
          return;
        }
        succeed(ctx);
      }
      case FAILED -> in.skipBytes(in.readableBytes()); // closing: nothing goes further
      default -> out.add(in.readRetainedSlice(in.readableBytes()));
    }
  }

  private void readHello(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < MAGIC.length + 1) {
      return;
    }
    int start = in.readerIndex();
    for (int i = 0; i < MAGIC.length; i++) {
      if (in.getByte(start + i) != MAGIC[i]) {
        fail(ctx, "malformed handshake: not a Sidecache peer");
        return;
      }
    }
    int idLength = in.getUnsignedByte(start + MAGIC.length);
    if (idLength == 0) {
      fail(ctx, "malformed handshake: empty node id");
      return;
    }
    if (in.readableBytes() < MAGIC.length + 1 + idLength + NONCE_BYTES) {
      return;
    }
    in.skipBytes(MAGIC.length + 1);
    otherId = new byte[idLength];
    in.readBytes(otherId);
    otherNonce = new byte[NONCE_BYTES];
    in.readBytes(otherNonce);
    if (java.util.Arrays.equals(otherId, selfId)) {
      fail(ctx, "the peer claims this node's own id");
      return;
    }
    if (expectedPeerId != null && !java.util.Arrays.equals(otherId, expectedPeerId)) {
      fail(ctx, "the peer is not the node dialled");
      return;
    }
    state = State.AWAIT_PROOF;
    if (!connecting) {
      ByteBuf reply = hello(ctx);
      reply.writeBytes(proof(false));
      ctx.writeAndFlush(reply);
    }
  }

  private ByteBuf hello(ChannelHandlerContext ctx) {
    ByteBuf b = ctx.alloc().buffer(MAGIC.length + 1 + selfId.length + NONCE_BYTES + PROOF_BYTES);
    return b.writeBytes(MAGIC).writeByte(selfId.length).writeBytes(selfId).writeBytes(nonce);
  }

  /**
   * The proof of one side: HMAC over its role letter, then the connecting side's nonce and the
   * accepting side's, then the connecting side's id and the accepting side's.
   *
   * @param ofConnecting whether this is the connecting side's proof
   */
  private byte[] proof(boolean ofConnecting) {
    byte[] connectingNonce = connecting ? nonce : otherNonce;
    byte[] acceptingNonce = connecting ? otherNonce : nonce;
    byte[] connectingId = connecting ? selfId : otherId;
    byte[] acceptingId = connecting ? otherId : selfId;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(ofConnecting ? (byte) 'C' : (byte) 'S');
      mac.update(connectingNonce);
      mac.update(acceptingNonce);
      mac.update((byte) connectingId.length);
      mac.update(connectingId);
      mac.update((byte) acceptingId.length);
      mac.update(acceptingId);
      return mac.doFinal();
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  private void succeed(ChannelHandlerContext ctx) {
    state = State.DONE;
    deadline.cancel(false);
    ctx.fireUserEventTriggered(new Authenticated(new String(otherId, StandardCharsets.UTF_8)));
    ctx.pipeline().remove(this); // what followed the handshake goes on, decoded by the next handler
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    if (state == State.DONE || state == State.FAILED) {
      return;
    }
    state = State.FAILED;
    if (deadline != null) {
      deadline.cancel(false);
    }
    log.warn("peer connection {} refused: {}", ctx.channel().remoteAddress(), why);
    ctx.close();
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }
}
