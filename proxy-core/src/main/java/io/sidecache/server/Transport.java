package io.sidecache.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** The Netty transport: native epoll when available (Linux x86_64), NIO otherwise. */
enum Transport {
  EPOLL,
  NIO;

  /** Returns epoll when its native library loads, else NIO. */
  static Transport best() {
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /**
   * Creates an event loop group.
   *
   * @param threads the number of event loops, 0 for Netty's default (2 x cores)
   */
  EventLoopGroup group(int threads) {
    return this == EPOLL ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
  }

  /** Returns the Unix domain socket server channel class, or {@code null} without epoll. */
  Class<? extends ServerChannel> domainServerChannel() {
    return this == EPOLL ? EpollServerDomainSocketChannel.class : null;
  }

  /** Returns the client socket channel class (the cluster's peer connections). */
  Class<? extends SocketChannel> channel() {
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** Returns the server channel class. */
  Class<? extends ServerChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
