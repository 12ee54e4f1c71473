package dev.switchboard.store.postgresql;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.store.AdminStore;
import dev.switchboard.store.AdminStoreFactory;
import java.util.Set;

/**
 * Makes the PostgreSQL admin store for {@code admin.store: postgresql://HOST:PORT/DB} (also {@code postgres://}),
 * with {@code admin.store_user} and {@code admin.store_password} (SPEC section 12). Registered in
 * {@code META-INF/services/dev.switchboard.store.AdminStoreFactory}: putting this module's jar beside the filter is
 * all it takes. The store connects on its first read.
 */
public final class PostgresStoreFactory implements AdminStoreFactory {

    /** For {@link java.util.ServiceLoader}. */
    public PostgresStoreFactory() {
    }

    @Override
    public Set<String> schemes() {
        return PostgresAddress.SCHEMES;
    }

    /**
     * @throws IllegalArgumentException when the address is not {@code postgresql://HOST[:PORT]/DB[?params]}, or
     *     carries a credential
     */
    @Override
    public AdminStore create(AdminSettings admin) {
        return new PostgresAdminStore(PostgresAddress.parse(admin.store()), admin.storeUser(), admin.storePassword());
    }
}
