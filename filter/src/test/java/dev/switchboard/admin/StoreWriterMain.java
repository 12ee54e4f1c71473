package dev.switchboard.admin;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child process of {@link AdminStoreCrashTest}: loads the config named by {@code args[0]} and its admin
 * store, prints {@code START <rows in the store>}, then adds rows {@code s-<n>} one admin write at a time,
 * printing {@code ACK s-<n>} only after each write returned, until it is killed.
 */
final class StoreWriterMain {

    private StoreWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        LiveConfig reloader = LiveConfig.load(Path.of(args[0]), new ConfigLoader(name -> null));
        int next = reloader.snapshot().stored().size();
        out.println("START " + next);
        out.flush();
        while (true) {
            String source = "s-" + next;
            reloader.update(null, snapshot -> {
                List<VirtualModel> more = new ArrayList<>(snapshot.stored());
                more.add(new VirtualModel(source, List.of(new Target("model-" + source, 1)), null, List.of(), true,
                        "written before a crash"));
                return more;
            });
            out.println("ACK " + source);
            out.flush();
            next++;
        }
    }
}
