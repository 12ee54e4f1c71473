package dev.switchboard.store;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.config.InvalidConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Opens the admin store {@code admin.store} names: a file ({@link FileAdminStore}), or for an address
 * ({@code scheme://...}) the store of the {@link AdminStoreFactory} that serves its scheme.
 */
public final class AdminStores {

    private AdminStores() {
    }

    /**
     * @param admin the {@code admin:} settings
     * @param configFile the config file (a relative store file is beside it), or {@code null}
     * @return the store, not connected yet
     * @throws InvalidConfigException ({@code admin.store: ...}) when no installed factory serves the address's
     *     scheme, or the factory refuses the address
     */
    public static AdminStore open(AdminSettings admin, Path configFile) {
        String scheme = admin.storeScheme();
        if (scheme == null) {
            return new FileAdminStore(FileAdminStore.resolve(admin.store(), configFile));
        }
        Set<String> known = new LinkedHashSet<>();
        for (AdminStoreFactory factory : factories()) {
            known.addAll(factory.schemes());
            if (factory.schemes().contains(scheme)) {
                try {
                    return factory.create(admin);
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigException(List.of("admin.store: " + e.getMessage()));
                }
            }
        }
        throw new InvalidConfigException(List.of("admin.store: no admin store for " + scheme + ":// addresses is "
                + "installed" + (known.isEmpty() ? "" : " (installed: " + String.join(", ", known) + ")")
                + "; a PostgreSQL store needs the switchboard-store-postgresql jar beside the filter"));
    }

    /** Factories the context class loader sees (a webapp's), then those beside this class. */
    private static List<AdminStoreFactory> factories() {
        List<AdminStoreFactory> out = new ArrayList<>();
        Set<Class<?>> seen = new java.util.HashSet<>();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {context, AdminStores.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try {
                for (AdminStoreFactory f : ServiceLoader.load(AdminStoreFactory.class, loader)) {
                    if (seen.add(f.getClass())) {
                        out.add(f);
                    }
                }
            } catch (ServiceConfigurationError e) {
                // A broken provider of another loader must not hide the one beside us.
            }
        }
        return out;
    }
}
