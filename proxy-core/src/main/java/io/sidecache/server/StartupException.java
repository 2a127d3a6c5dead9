package io.sidecache.server;

/**
 * Sidecache could not start, for a reason the operator can fix (a port in use, a data directory
 * that cannot be opened): the message is one line naming the cause and the option that changes
 * it, e.g. {@code RESP port 6379 is in use; is a redis-server running? use --resp-port}. The
 * command prints it without a stack trace (unless {@code --debug}) and exits with status 1.
 */
public final class StartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message one line for the operator
   * @param cause the underlying failure
   */
  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
