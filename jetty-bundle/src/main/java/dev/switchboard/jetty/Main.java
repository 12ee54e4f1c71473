package dev.switchboard.jetty;

/**
 * Entry point of {@code switchboard.jar} (SPEC section 8). Exits with the code {@link Cli#run} returns.
 */
public final class Main {

    private Main() {
    }

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        int code = Cli.run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }
}
