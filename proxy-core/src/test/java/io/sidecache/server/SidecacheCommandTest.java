package io.sidecache.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

class SidecacheCommandTest {

  private static SidecacheConfig parse(String... args) {
    SidecacheCommand command = new SidecacheCommand();
    new CommandLine(command).parseArgs(args);
    return command.config();
  }

  @Test
  void defaults_asDocumented() {
    SidecacheConfig c = parse();
    assertEquals("127.0.0.1", c.bind());
    assertEquals(6379, c.respPort());
    assertEquals(11211, c.memcachedPort());
    assertEquals(8080, c.httpPort());
    assertEquals(Path.of("./data"), c.dataDir());
    assertEquals(4L << 30, c.diskBytes());
    assertEquals(1024 * 1024, c.maxItemBytes());
    assertEquals(512L * 1024 * 1024, c.maxBulkBytes());
    assertEquals(Math.max(1, Runtime.getRuntime().maxMemory() / 2), c.memoryBytes());
    assertEquals(0, c.outputLimitBytes());
    assertEquals(null, c.requirePass());
  }

  @Test
  void requirepassAndOutputLimit_parsed() {
    SidecacheConfig c = parse("--requirepass", "pw", "--client-output-buffer-limit", "64m");
    assertEquals("pw", c.requirePass());
    assertEquals(64L << 20, c.outputLimitBytes());
    assertEquals(0, parse("--client-output-buffer-limit", "0").outputLimitBytes());
  }

  @Test
  void options_parsed() {
    SidecacheConfig c = parse("--bind", "0.0.0.0", "--resp-port", "0", "--memcached-port", "1",
        "--http-port", "2", "--memory", "256m", "--data-dir", "/tmp/x", "--max-item-size", "2m");
    assertEquals("0.0.0.0", c.bind());
    assertEquals(0, c.respPort());
    assertEquals(256L << 20, c.memoryBytes());
    assertEquals(Path.of("/tmp/x"), c.dataDir());
    assertEquals(2 << 20, c.maxItemBytes());
  }

  @Test
  void diskSize_parsedAndZeroTurnsTheTierOff() {
    assertEquals(2L << 30, parse("--disk-size", "2g").diskBytes());
    assertEquals(0, parse("--disk-size", "0").diskBytes());
    assertThrows(CommandLine.ParameterException.class, () -> parse("--disk-size", "-1"));
  }

  @Test
  void chunkOptions_defaultsAndParsed() {
    SidecacheConfig d = parse("--memory", "64m");
    assertEquals(65_472, d.chunkSize());
    assertEquals(16L << 20, d.chunkMemoryBytes(), "a quarter of --memory");
    assertEquals(4L << 30, d.maxHttpBodyBytes());
    SidecacheConfig c = parse("--chunk-size", "16k", "--chunk-memory", "0", "--max-http-body", "8g");
    assertEquals(16 * 1024, c.chunkSize());
    assertEquals(0, c.chunkMemoryBytes());
    assertEquals(8L << 30, c.maxHttpBodyBytes());
    CommandLine.ParameterException tooBig = assertThrows(CommandLine.ParameterException.class,
        () -> parse("--chunk-size", "128k"), "above one MapDB record");
    assertTrue(tooBig.getMessage().startsWith("--chunk-size: 131072"), tooBig.getMessage());
  }

  @Test
  void memcachedSasl_offByDefault_onWithPassword() {
    SidecacheConfig off = parse();
    assertEquals("sidecache", off.memcachedSaslUser());
    assertEquals(null, off.memcachedSaslPassword());
    SidecacheConfig on = parse("--memcached-sasl-user", "app", "--memcached-sasl-password", "pw");
    assertEquals("app", on.memcachedSaslUser());
    assertEquals("pw", on.memcachedSaslPassword());
    assertThrows(CommandLine.ParameterException.class,
        () -> parse("--memcached-sasl-password", ""));
  }

  @Test
  void badValues_rejected() {
    assertThrows(CommandLine.ParameterException.class, () -> parse("--memory", "lots"));
    assertThrows(CommandLine.ParameterException.class, () -> parse("--resp-port", "70000"));
    assertThrows(CommandLine.ParameterException.class, () -> parse("--max-item-size", "3g"));
  }

  @Test
  void environmentVariableNames() {
    assertEquals("SIDECACHE_RESP_PORT",
        SidecacheCommand.Defaults.variableName("--resp-port"));
    assertEquals("SIDECACHE_MEMORY", SidecacheCommand.Defaults.variableName("--memory"));
  }

  @Test
  void byteSize_units() {
    assertEquals(1048576, ByteSize.parse("1048576"));
    assertEquals(512 << 10, ByteSize.parse("512k"));
    assertEquals(256L << 20, ByteSize.parse("256M"));
    assertEquals(2L << 30, ByteSize.parse("2gb"));
    assertThrows(TypeConversionException.class, () -> ByteSize.parse("0"));
    assertThrows(TypeConversionException.class, () -> ByteSize.parse("-1m"));
    assertThrows(TypeConversionException.class, () -> ByteSize.parse("9999999999t"));
    assertThrows(TypeConversionException.class, () -> ByteSize.parse("m"));
  }

  @Test
  void start_ephemeralPortsThenClose() throws Exception {
    InetSocketAddress resp;
    try (Sidecache server = Sidecache.start(SidecacheConfig.ephemeral(1 << 20))) {
      resp = server.respAddress();
      assertNotEquals(0, resp.getPort());
      assertNotEquals(0, server.memcachedAddress().getPort());
      assertNotEquals(0, server.httpAddress().getPort());
      try (Socket s = new Socket()) {
        s.connect(resp, 1000);
      }
    }
    try (Socket s = new Socket()) {
      assertThrows(IOException.class, () -> s.connect(resp, 1000), "closed after close()");
    }
  }

  @Test
  void start_portTaken_failsAndReleasesOthers() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      SidecacheConfig config = new SidecacheConfig("127.0.0.1", 0, 0, taken.getLocalPort(),
          1 << 20, Path.of("data"), 0, 1024, 1024, 1024, null, 0, "sidecache", null, 1024, 0, null,
          false, null, null, -1, null, null);
      assertThrows(Exception.class, () -> Sidecache.start(config));
    }
  }

  /** Runs the command line as {@code main} does; returns the exit status and what went to err. */
  private static String[] run(String... args) {
    java.io.StringWriter err = new java.io.StringWriter();
    int status = SidecacheCommand.execute(new SidecacheCommand(),
        new java.io.PrintWriter(err, true), args);
    return new String[] {Integer.toString(status), err.toString()};
  }

  @Test
  void badValueOrUnknownOption_oneLineNamingIt_exit2() {
    String[] r = run("--resp-port", "99999");
    assertEquals("2", r[0]);
    assertEquals("sidecache: --resp-port: 99999 (expected: 0..65535) (see sidecache --help)\n",
        r[1].replace("\r\n", "\n"));
    r = run("--frob");
    assertEquals("2", r[0]);
    assertEquals(1, r[1].lines().count(), r[1]);
    r = run("--memory", "1000g", "--disk-size", "0");
    assertEquals("2", r[0]);
    assertTrue(r[1].contains("need more than the heap holds"), r[1]);
  }

  @Test
  void clusterOptions_offByDefault_parsedAndChecked() {
    assertNull(parse().cluster());
    SidecacheConfig c = parse("--cluster", "--cluster-secret", "s", "--cluster-port", "5801",
        "--peer-port", "7390", "--join", "10.0.0.1:5801,10.0.0.2:5801", "--replicas", "3",
        "--write-ack", "one");
    assertEquals("127.0.0.1:5801", c.cluster().nodeId());
    assertEquals(java.util.List.of("10.0.0.1:5801", "10.0.0.2:5801"), c.cluster().join());
    assertEquals(3, c.cluster().copies());
    assertFalse(c.cluster().ackAll());
    assertTrue(c.toString().contains("cluster-secret=***") && !c.toString().contains("=s "),
        c.toString());
    SidecacheConfig pod = parse("--bind", "0.0.0.0", "--cluster", "--cluster-secret", "s",
        "--cluster-bind", "10.1.2.3");
    assertEquals("0.0.0.0", pod.bind(), "clients on --bind");
    assertEquals("10.1.2.3", pod.cluster().bindHost(), "peers on --cluster-bind");
    assertEquals("10.1.2.3:5701", pod.cluster().nodeId());
    assertEquals(java.util.List.of("kubernetes:sidecache.apps.svc.cluster.local"),
        parse("--cluster", "--cluster-secret", "s", "--join",
            "kubernetes:sidecache.apps.svc.cluster.local").cluster().join());
    for (String[] bad : new String[][] {{"--cluster"}, {"--cluster", "--cluster-secret", "s",
        "--write-ack", "some"}, {"--cluster", "--cluster-secret", "s", "--join", "nohost"},
        {"--cluster", "--cluster-secret", "s", "--replicas", "0"},
        {"--cluster", "--cluster-secret", "s", "--join", "kubernetes:svc.ns:5701"},
        {"--cluster", "--cluster-secret", "s", "--join", "kubernetes:svc,10.0.0.1:5701"},
        {"--cluster", "--cluster-secret", "s", "--bind", "0.0.0.0"},
        {"--cluster", "--cluster-secret", "s", "--cluster-bind", "::"}}) {
      String[] r = run(bad);
      assertEquals("2", r[0], String.join(" ", bad));
      assertEquals(1, r[1].lines().count(), r[1]);
    }
  }

  @Test
  void tlsOptions_offByDefault_pairedAndChecked() throws Exception {
    assertNull(parse().tls());
    Path pem = Files.createTempFile("tls", ".pem");
    try {
      SidecacheConfig c = parse("--tls-cert", pem.toString(), "--tls-key", pem.toString(),
          "--tls-protocols", "TLSv1.3");
      assertEquals(java.util.List.of("TLSv1.3"), c.tls().protocols());
      assertTrue(c.toString().contains("tls-protocols=TLSv1.3"), c.toString());
      for (String[] bad : new String[][] {{"--tls-cert", pem.toString()},
          {"--tls-ca", pem.toString()}, {"--tls-cert", "/no/such.pem", "--tls-key", pem.toString()}}) {
        String[] r = run(bad);
        assertEquals("2", r[0], String.join(" ", bad));
        assertTrue(r[1].contains("--tls-"), r[1]);
      }
    } finally {
      Files.delete(pem);
    }
  }

  @Test
  void portInUse_oneLineWithTheOption_exit1() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String[] r = run("--resp-port", Integer.toString(taken.getLocalPort()),
          "--memcached-port", "0", "--http-port", "0", "--disk-size", "0");
      assertEquals("1", r[0]);
      assertEquals("sidecache: RESP port " + taken.getLocalPort() + " is in use; is a"
          + " redis-server running? use --resp-port", r[1].strip());
    }
  }

  @Test
  void unopenableDataDir_oneLine_exit1_stackTraceOnlyWithDebug() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("not-a-dir", "");
    try {
      String[] args = {"--resp-port", "0", "--memcached-port", "0", "--http-port", "0",
          "--data-dir", file.resolve("data").toString()};
      String[] r = run(args);
      assertEquals("1", r[0]);
      assertTrue(r[1].startsWith("sidecache: cannot open the disk tier in "), r[1]);
      assertEquals(1, r[1].lines().count(), r[1]);
      String[] withDebug = new String[args.length + 1];
      System.arraycopy(args, 0, withDebug, 0, args.length);
      withDebug[args.length] = "--debug";
      r = run(withDebug);
      assertEquals("1", r[0]);
      assertTrue(r[1].contains("\tat io.sidecache."), r[1]);
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  /** Parses as {@code main} does with a config file, without starting the server. */
  private static SidecacheConfig parseWithFile(java.nio.file.Path file, String... args)
      throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "--config";
    all[1] = file.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return SidecacheCommand.check(java.util.Map.of(), all);
  }

  @Test
  void configFile_optionValueLines_commandLineWins() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("sidecache", ".conf");
    try {
      java.nio.file.Files.writeString(file, "# a sidecar\nresp-port 6390\nmemory 64m\n"
          + "http-token s3cret\nhttp-token-protect-ops true\nmax-item-size = 2m\n");
      SidecacheConfig c = parseWithFile(file);
      assertEquals(6390, c.respPort());
      assertEquals(64L << 20, c.memoryBytes());
      assertEquals("s3cret", c.httpToken());
      assertTrue(c.httpTokenProtectOps());
      assertEquals(2 << 20, c.maxItemBytes());
      assertEquals(11211, c.memcachedPort(), "not in the file: the default");
      assertEquals(6391, parseWithFile(file, "--resp-port", "6391").respPort());
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void configFile_unknownOptionOrMissingFile_usageError() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("sidecache", ".conf");
    try {
      java.nio.file.Files.writeString(file, "resp-port 6390\nmaxmemory 1g\n");
      String[] r = run("--config", file.toString());
      assertEquals("2", r[0]);
      assertEquals("sidecache: --config " + file + ": line 2: unknown option 'maxmemory'",
          r[1].strip());
      r = run("--config=" + file + ".missing");
      assertEquals("2", r[0]);
      assertTrue(r[1].startsWith("sidecache: --config " + file + ".missing: "), r[1]);
      java.nio.file.Files.writeString(file, "resp-port 99999\n");
      r = run("--config", file.toString());
      assertEquals("2", r[0]);
      assertTrue(r[1].contains("--resp-port: 99999"), r[1]);
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void summary_masksSecrets() {
    String summary = parse("--requirepass", "hunter2", "--http-token", "t0k3n",
        "--memcached-sasl-password", "pw").toString();
    assertTrue(summary.contains("requirepass=***") && summary.contains("http-token=***")
        && summary.contains("memcached-sasl=sidecache:***"), summary);
    assertTrue(!summary.contains("hunter2") && !summary.contains("t0k3n")
        && !summary.contains(":pw"), summary);
  }

  @Test
  void generateCompletion_bashScript() {
    java.io.StringWriter out = new java.io.StringWriter();
    CommandLine cl = SidecacheCommand.commandLine(new SidecacheCommand());
    cl.setOut(new java.io.PrintWriter(out, true));
    assertEquals(0, cl.execute("generate-completion"));
    assertTrue(out.toString().contains("-F _complete_sidecache"),
        out.toString());
    assertTrue(out.toString().contains("--resp-port"), "options are completed");
  }

  @Test
  void unixSockets_parsed_permissionsOctal() {
    SidecacheConfig c = parse("--unixsocket", "/run/sc.sock", "--memcached-unixsocket",
        "/run/mc.sock", "--unixsocketperm", "750");
    assertEquals(java.nio.file.Path.of("/run/sc.sock"), c.unixSocket());
    assertEquals(java.nio.file.Path.of("/run/mc.sock"), c.memcachedUnixSocket());
    assertEquals(0750, c.unixSocketPerm());
    assertEquals(-1, parse().unixSocketPerm());
    assertEquals(0700, parse("--unixsocketperm", "0700").unixSocketPerm());
    assertThrows(CommandLine.ParameterException.class, () -> parse("--unixsocketperm", "9"));
    assertThrows(CommandLine.ParameterException.class, () -> parse("--unixsocketperm", "rwx"));
  }

  @Test
  void configFile_valuesAsWritten_flagOnCommandLineStaysOn() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("sidecache", ".conf");
    try {
      java.nio.file.Files.writeString(file, "requirepass C:\\new\\pa\\ss\\\nresp-port 6380\n"
          + "resp-port=6381\nhttp-token t\nhttp-token-protect-ops true\n");
      SidecacheConfig c = parseWithFile(file, "--http-token-protect-ops");
      assertEquals("C:\\new\\pa\\ss\\", c.requirePass());
      assertEquals(6381, c.respPort(), "a later line wins; a backslash escapes nothing");
      assertTrue(c.httpTokenProtectOps(), "given on the command line and in the file: on");
      java.nio.file.Files.writeString(file, "requirepass\n");
      String[] r = run("--config", file.toString());
      assertEquals("2", r[0]);
      assertTrue(r[1].contains("line 1: no value for 'requirepass'"), r[1]);
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void unknownOption_valueNotEchoed() {
    String[] r = run("--requirepas", "s3cret");
    assertEquals("2", r[0]);
    assertEquals("sidecache: unknown option '--requirepas' (see sidecache --help)", r[1].strip());
    r = run("--http-tokn=s3cret");
    assertTrue(r[1].contains("'--http-tokn'") && !r[1].contains("s3cret"), r[1]);
  }
}
