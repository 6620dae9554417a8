package dk.spejl.hub.cli;

import picocli.CommandLine.Command;

@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manages the root key and the online signing keys (docs/security.md).",
        subcommands = {KeysCreateRootCommand.class, KeysRotateCommand.class, KeysShowCommand.class})
final class KeysCommand {
}
