package dev.switchboard.store;

import dev.switchboard.config.AdminSettings;
import java.util.Set;

/**
 * Makes {@link AdminStore}s for {@code admin.store} addresses of some schemes ({@code postgresql://...}):
 * the service-provider interface through which a store module plugs in, so the filter jar depends on no
 * database driver. Implementations are listed in {@code META-INF/services/dev.switchboard.store.AdminStoreFactory}
 * and found with {@link java.util.ServiceLoader} ({@link AdminStores#open}); they need a public no-argument
 * constructor and must be thread-safe.
 */
public interface AdminStoreFactory {

    /** @return the address schemes this factory serves, lower case ({@code postgresql}) */
    Set<String> schemes();

    /**
     * Makes a store; does not connect yet (the first {@link AdminStore#read()} does).
     *
     * @param admin the {@code admin:} settings: {@link AdminSettings#store()} is an address of one of
     *     {@link #schemes()}; the credentials are {@link AdminSettings#storeUser()} and
     *     {@link AdminSettings#storePassword()}
     * @return the store
     * @throws IllegalArgumentException when the address cannot be used, with a message that names no credential
     */
    AdminStore create(AdminSettings admin);
}
