package io.sidecache.resp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * Sets up a RESP connection: {@link RespDecoder} then {@link RespServerHandler}. Sharable: one
 * instance serves every connection of a listener.
 */
public final class RespServerInitializer extends ChannelInitializer<Channel> {
  private final RespServerContext context;

  /**
   * Creates the initializer.
   *
   * @param context the shared server state, must not be {@code null}
   */
  public RespServerInitializer(RespServerContext context) {
    this.context = context;
  }

  @Override
  protected void initChannel(Channel ch) {
    ch.pipeline()
        .addLast("resp-decoder",
            new RespDecoder(context.limits(), context.store().streamingThreshold()))
        .addLast("resp-handler", new RespServerHandler(context));
  }
}
