package io.sidecache.server;

import io.sidecache.protocol.testing.GeneratedDoc;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration-reference.md is generated from the command's picocli model (issue 14): this
 * test fails when the file differs from what the options say today. To regenerate it:
 * {@code ./mvnw -pl proxy-core -am test -Dtest=ConfigurationReferenceTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dsidecache.write-docs=true}.
 */
class ConfigurationReferenceTest {
  private static final Path REFERENCE = Path.of("../docs/configuration-reference.md");

  /** The reference page: one row per option, in the order {@code --help} lists them. */
  static String render() {
    CommandLine cl = new CommandLine(new SidecacheCommand());
    CommandSpec spec = cl.getCommandSpec();
    // The annotations' defaults only: not this machine's SIDECACHE_* variables.
    spec.defaultValueProvider(CommandLine.Model.ArgSpec::defaultValue);
    StringBuilder md = new StringBuilder();
    md.append("# Configuration reference\n\n")
        .append("<!-- Generated from the sidecache command's options by ConfigurationReferenceTest"
            + " (proxy-core); do not edit by hand. -->\n\n")
        .append("Every option of `sidecache` (`bin/sidecache --help` prints the same). Each is also"
            + " an environment\nvariable (the column below) and a line `name value` of the"
            + " `--config` file, `name` being the\noption without its dashes (`resp-port 6380`)."
            + " Precedence: command line, environment, file,\ndefault. Sizes take `k`, `m` and"
            + " `g` (powers of 1024); durations take `ms`, `s`, `m` and `h`.\nThe guide to these"
            + " options is [configuration.md](configuration.md).\n\n")
        .append("| option | environment variable | description |\n|---|---|---|\n");
    for (OptionSpec o : spec.options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      String name = o.longestName();
      String label = o.arity().max() == 0 ? "" : " " + o.paramLabel();
      md.append("| `").append(name).append(label).append("` | `")
          .append(SidecacheCommand.Defaults.variableName(name)).append("` | ")
          .append(String.join(" ", o.description()).replace("|", "\\|")).append(" |\n");
    }
    return md.toString();
  }

  @Test
  void theReferenceIsWhatTheOptionsSay() throws Exception {
    GeneratedDoc.check(REFERENCE, render(), "./mvnw -pl proxy-core -am test"
        + " -Dtest=ConfigurationReferenceTest -Dsurefire.failIfNoSpecifiedTests=false"
        + " -Dsidecache.write-docs=true");
  }
}
