package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;

/** The README's CLI reference names every option of every command, in that command's own section. */
class ReadmeReferenceTest {

  @Test
  void everyOptionOfEveryCommandShouldBeInItsReadmeSection() throws IOException {
    // Surefire runs in the module directory; the README is the repository's.
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8).replace("--[no-]", "--");
    List<String> missing = new ArrayList<>();
    ProbevalCli.commandLine().getSubcommands().forEach((name, cl) -> {
      if (name.equals("help") || name.equals("demo")) {
        return;
      }
      String section = section(readme, name);
      for (OptionSpec o : cl.getCommandSpec().options()) {
        if (o.usageHelp() || o.versionHelp()) {
          continue;
        }
        if (section == null || !section.contains(o.longestName())) {
          missing.add(name + " " + o.longestName());
        }
      }
    });
    assertTrue(missing.isEmpty(), "README CLI reference lacks: " + missing);
  }

  /** The text from "### `probeval NAME`" to the next heading. */
  private static String section(String readme, String command) {
    int start = readme.indexOf("### `probeval " + command + "`");
    if (start < 0) {
      return null;
    }
    int end = readme.indexOf("\n#", start + 4);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }
}
