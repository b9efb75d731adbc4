package dev.probeval.app;

import picocli.CommandLine;

/** Reports the version from the jar manifest (set by Maven), falling back to "dev" when run from classes. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = ProbevalCli.class.getPackage().getImplementationVersion();
        return new String[] {"probeval " + (v == null ? "dev" : v)};
    }
}
