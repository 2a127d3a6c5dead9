package io.sidecache.resp;

import io.netty.channel.ChannelHandlerContext;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.store.IncrementOverflowException;
import io.sidecache.store.NotAFloatException;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.NotFiniteException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs RESP requests: looks the command up in the table, checks arity (and resolves the
 * subcommand of a container command), runs the body, and turns every failure into Redis 7's
 * error reply here, in one place. Replies keep request order (see {@link PipelinedRequestHandler}).
 *
 * <p>Not sharable: one instance per connection.
 */
public final class RespServerHandler extends PipelinedRequestHandler<RespRequest> {
  private static final Logger log = LoggerFactory.getLogger(RespServerHandler.class);

  private final RespServerContext context;
  private RespReply reply;
  private RespSession session;

  /**
   * Creates the handler of one connection.
   *
   * @param context the shared server state
   */
  public RespServerHandler(RespServerContext context) {
    super(RespRequest.class);
    this.context = context;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    super.handlerAdded(ctx);
    reply = new RespReply(ctx.alloc());
    session =
        new RespSession(
            this, context, reply, ctx.channel().remoteAddress(), ctx.channel().localAddress());
  }

  @Override
  protected void handle(ChannelHandlerContext ctx, RespRequest request) {
    if (request.protocolError() != null) {
      reply.error("ERR Protocol error: " + request.protocolError());
      closeAfterReplies();
      return;
    }
    byte[][] args = request.args();
    RespCommand command = resolve(args);
    if (command != null) {
      session.lastCommand(command.fullName());
      try {
        command.body().execute(session, args);
      } catch (RuntimeException e) {
        writeError(e);
      }
    }
    reply.flushIfLarge(ctx);
  }

  /** Finds the command (or subcommand) and checks its arity; answers the error when it fails. */
  private RespCommand resolve(byte[][] args) {
    RespCommand command = context.commands().lookup(args[0]);
    if (command == null) {
      reply.error(unknownCommand(args));
      return null;
    }
    if (!command.subcommands().isEmpty() && (args.length >= 2 || command.body() == null)) {
      if (args.length < 2) {
        reply.error(wrongArity(command));
        return null;
      }
      RespCommand sub = command.subcommand(args[1]);
      if (sub == null) {
        reply.error(
            "ERR unknown subcommand '" + truncate(args[1], 128) + "'. Try "
                + command.name().toUpperCase(java.util.Locale.ROOT) + " HELP.");
        return null;
      }
      command = sub;
    }
    if (!command.acceptsArgumentCount(args.length)) {
      reply.error(wrongArity(command));
      return null;
    }
    return command;
  }

  private static String wrongArity(RespCommand command) {
    return "ERR wrong number of arguments for '" + command.fullName() + "' command";
  }

  /** Redis 7.0 {@code processCommand}: the name and the first arguments, 128 bytes at most. */
  private static String unknownCommand(byte[][] args) {
    StringBuilder sb = new StringBuilder("ERR unknown command '")
        .append(truncate(args[0], 128))
        .append("', with args beginning with: ");
    int argsLength = 0;
    for (int i = 1; i < args.length && argsLength < 128; i++) {
      String arg = truncate(args[i], 128 - argsLength);
      sb.append('\'').append(arg).append("' ");
      argsLength += arg.length() + 3;
    }
    return sb.toString();
  }

  private static String truncate(byte[] b, int max) {
    return new String(b, 0, Math.min(b.length, max), StandardCharsets.ISO_8859_1);
  }

  <T> void replyWhenDone(CompletionStage<T> stage, BiConsumer<RespReply, ? super T> writer) {
    await(
        stage,
        (value, cause) -> {
          if (cause != null) {
            writeError(cause);
          } else {
            writer.accept(reply, value);
          }
        });
  }

  void closeWhenFlushed() {
    closeAfterReplies();
  }

  /** The one place where failures become RESP errors. */
  private void writeError(Throwable t) {
    if (t instanceof RespException) {
      reply.error(t.getMessage());
    } else if (t instanceof NotAnIntegerException) {
      reply.error(RespException.NOT_INTEGER.getMessage());
    } else if (t instanceof IncrementOverflowException
        || t instanceof NotAFloatException
        || t instanceof NotFiniteException) {
      reply.error("ERR " + t.getMessage());
    } else {
      log.warn("command failed", t);
      reply.error("ERR internal error: " + t.getClass().getSimpleName());
    }
  }

  @Override
  protected void flushReplies(ChannelHandlerContext ctx) {
    reply.flush(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    reply.discard();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("closing RESP connection {}", ctx.channel(), cause);
    ctx.close();
  }
}
