package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Server and connection administration: CONFIG, INFO, CLIENT LIST/KILL, TIME. Subclasses run it
 * against Sidecache and a real redis-server; assertions cover what both answer alike (field
 * names, reply shapes, error texts), not values that differ by design (databases, policy).
 */
abstract class RespServerConformance extends RespClientSuite {

  @Test
  void configGet_patternsAndUnknown() throws IOException {
    assertEquals("*2\r\n$11\r\nrequirepass\r\n$0\r\n\r\n", raw.call("CONFIG", "GET", "requirepass"));
    assertEquals("*2\r\n$10\r\nAPPENDONLY\r\n$2\r\nno\r\n",
        raw.call("CONFIG", "GET", "APPENDONLY"), "matched case-insensitively, echoed as given");
    assertEquals("*0\r\n", raw.call("CONFIG", "GET", "no-such-parameter"));
    String both = raw.call("CONFIG", "GET", "requirepass", "appendonly");
    assertTrue(both.startsWith("*4\r\n"), both);
    String glob = raw.call("CONFIG", "GET", "maxmemory*");
    assertTrue(glob.contains("$9\r\nmaxmemory\r\n") && glob.contains("$16\r\nmaxmemory-policy\r\n"),
        glob);
    assertEquals("-ERR wrong number of arguments for 'config|get' command\r\n",
        raw.call("CONFIG", "GET"));
  }

  @Test
  void configSet_errorsAndRequirepass() throws IOException {
    assertEquals("-ERR Unknown option or number of arguments for CONFIG SET - 'no-such'\r\n",
        raw.call("CONFIG", "SET", "no-such", "1"));
    assertEquals("-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set"
        + " immutable config\r\n", raw.call("CONFIG", "SET", "databases", "1"));
    assertEquals("-ERR wrong number of arguments for 'config|set' command\r\n",
        raw.call("CONFIG", "SET", "requirepass"));
    try (RawResp other = new RawResp(address())) {
      assertEquals("+PONG\r\n", other.call("PING"), "connected before the password is set");
      assertEquals("+OK\r\n", raw.call("CONFIG", "SET", "requirepass", "pw"));
      assertEquals("+PONG\r\n", raw.call("PING"), "an open connection stays authenticated");
      try (RawResp fresh = new RawResp(address())) {
        assertEquals("-NOAUTH Authentication required.\r\n", fresh.call("PING"));
        assertEquals("+OK\r\n", fresh.call("AUTH", "pw"));
      }
      assertEquals("+PONG\r\n", other.call("PING"));
    } finally {
      assertEquals("+OK\r\n", raw.call("CONFIG", "SET", "requirepass", ""));
    }
    assertEquals("-ERR The server is running without a config file\r\n",
        raw.call("CONFIG", "REWRITE"));
    assertEquals("+OK\r\n", raw.call("CONFIG", "RESETSTAT"));
  }

  @Test
  void info_sectionsAndFields() throws IOException {
    raw.call("PING");
    raw.call("SET", key(), "v");
    String all = bulkText(raw.call("INFO"));
    for (String header : new String[] {"# Server", "# Clients", "# Memory", "# Persistence",
        "# Stats", "# Replication", "# CPU", "# Keyspace"}) {
      assertTrue(all.contains(header + "\r\n"), header);
    }
    for (String field : new String[] {"redis_version:", "process_id:", "uptime_in_seconds:",
        "connected_clients:", "used_memory:", "maxmemory:", "total_connections_received:",
        "total_commands_processed:", "keyspace_hits:", "keyspace_misses:", "expired_keys:",
        "evicted_keys:", "role:master", "used_cpu_user:"}) {
      assertTrue(all.contains("\r\n" + field), field);
    }
    // A cluster node's keyspace line counts the keys it holds (docs/cluster.md), as a Redis
    // Cluster node's does: the key just set may live on two other nodes.
    assertTrue(target().isCluster() || all.contains("\r\ndb0:keys="), "db0:keys=");
    String one = bulkText(raw.call("INFO", "server"));
    assertTrue(one.startsWith("# Server\r\n") && !one.contains("# Clients"), one);
    String stats = bulkText(raw.call("INFO", "commandstats"));
    assertTrue(stats.contains("cmdstat_ping:calls="), stats);
    assertTrue(stats.matches("(?s).*cmdstat_set:calls=\\d+,usec=\\d+,usec_per_call=\\d+\\.\\d\\d,"
        + "rejected_calls=\\d+,failed_calls=\\d+\r\n.*"), stats);
    assertEquals("$0\r\n\r\n", raw.call("INFO", "no-such-section"));
  }

  /** Returns the text of a bulk string reply. */
  private static String bulkText(String reply) {
    assertTrue(reply.startsWith("$"), reply);
    return reply.substring(reply.indexOf("\r\n") + 2, reply.length() - 2);
  }

  @Test
  void clientListAndKill() throws IOException {
    try (RawResp victim = new RawResp(address())) {
      assertEquals("+OK\r\n", victim.call("CLIENT", "SETNAME", "victim"));
      String id = victim.call("CLIENT", "ID").substring(1).trim();
      String list = bulkText(raw.call("CLIENT", "LIST"));
      assertTrue(list.contains("id=" + id + " ") && list.contains(" name=victim "), list);
      assertTrue(list.contains(" cmd=client|list "), list);
      String only = bulkText(raw.call("CLIENT", "LIST", "ID", id));
      assertEquals(1, only.split("\n").length, only);
      assertEquals(":0\r\n", raw.call("CLIENT", "KILL", "ID", "999999999"));
      assertEquals("-ERR No such client\r\n", raw.call("CLIENT", "KILL", "127.0.0.1:1"));
      assertEquals("-ERR No such client\r\n", raw.call("CLIENT", "KILL", "ID"), "the old form");
      assertEquals("-ERR syntax error\r\n", raw.call("CLIENT", "KILL", "ID", id, "SKIPME"));
      assertEquals(":1\r\n", raw.call("CLIENT", "KILL", "ID", id));
      assertTrue(victim.closedByServer(), "the killed connection is closed");
    }
  }

  @Test
  void time_secondsAndMicroseconds() throws IOException {
    String reply = raw.call("TIME");
    assertTrue(reply.matches("\\*2\r\n\\$\\d+\r\n\\d+\r\n\\$\\d+\r\n\\d+\r\n"), reply);
    long seconds = Long.parseLong(reply.split("\r\n")[2]);
    assertTrue(Math.abs(seconds - System.currentTimeMillis() / 1000) < 5, reply);
  }
}
