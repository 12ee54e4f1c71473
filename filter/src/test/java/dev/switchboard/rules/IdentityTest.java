package dev.switchboard.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Who the caller is (SPEC section 2, "Caller's path"; section 3, gateway keys). */
final class IdentityTest {

    /** The key of SPEC section 1's example client, and the digest the spec stores for it. */
    private static final String ALICE_KEY = "sk-alice-demo";
    private static final String ALICE_SHA256 = "4805d60cb37819015d8fffb916fd911836bc573c4c5963d9f1a24a543bd352d7";
    private static final String BOB_KEY = "sk-bob-demo";

    private static final Client ALICE = new Client("alice", HexFormat.of().parseHex(ALICE_SHA256), "/acme/ml/alice");
    private static final Client BOB = new Client("bob", Client.sha256(BOB_KEY), null);

    private static final Identity WITH_KEYS = new Identity("X-User-Path", true, List.of(ALICE, BOB));
    private static final Identity OPEN = Identity.DEFAULT;
    private static final Identity UNTRUSTED = new Identity("X-User-Path", false, List.of());

    @Test
    void shouldHashKeysWithSha256() {
        assertThat(HexFormat.of().formatHex(Client.sha256(ALICE_KEY))).isEqualTo(ALICE_SHA256);
        assertThat(ALICE.keySha256Hex()).isEqualTo(ALICE_SHA256);
    }

    @Test
    void shouldAuthenticateByKeyDigest() {
        assertThat(WITH_KEYS.authenticate(ALICE_KEY)).isSameAs(ALICE);
        assertThat(WITH_KEYS.authenticate(BOB_KEY)).isSameAs(BOB);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"sk-alice-dem", "sk-alice-demo ", "SK-ALICE-DEMO", ALICE_SHA256, "Bearer sk-alice-demo"})
    void shouldNotAuthenticateAnyOtherKey(String key) {
        assertThat(WITH_KEYS.authenticate(key)).isNull();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"sk-unknown", ALICE_SHA256})
    void shouldRequireAValidKeyWhenClientsAreConfigured(String key) {
        Identification id = WITH_KEYS.identify(key, "/acme/ml", "/acme/ml", "session-1");

        assertThat(id.ok()).isFalse();
        assertThat(id.caller()).isNull();
        assertThat(id.failure()).isEqualTo(Identification.Failure.INVALID_API_KEY);
        assertThat(id.message()).isNotBlank().doesNotContain("sk-unknown").doesNotContain(ALICE_SHA256);
    }

    @Test
    void shouldNotRequireAKeyWithoutClients() {
        Identification id = OPEN.identify(null, null, "/team/a", null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller()).isEqualTo(new Caller("/team/a", null, null));
    }

    @Test
    void shouldIgnoreAPresentedKeyWithoutClients() {
        Identification id = OPEN.identify("sk-anything", null, null, null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller()).isEqualTo(Caller.ANONYMOUS);
    }

    @Test
    void shouldLetTheKeysBoundPathOverrideAttributeAndHeader() {
        Identification id = WITH_KEYS.identify(ALICE_KEY, "/host/path", "/acme/admin", null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller()).isEqualTo(new Caller("/acme/ml/alice", "alice", null));
    }

    @Test
    void shouldNotLetAHeaderNamingAnotherPathBypassTheBoundPath() {
        for (String header : List.of("/", "/acme", "/acme/ml/bob", "/acme/ml/alice/../../admin")) {
            Identification id = WITH_KEYS.identify(ALICE_KEY, null, header, null);

            assertThat(id.ok()).as(header).isTrue();
            assertThat(id.caller().userPath()).as(header).isEqualTo("/acme/ml/alice");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/acme/../admin", "..", "/a:b", "/te\u0000am"})
    void shouldIgnoreAnInvalidHeaderWhenTheKeyBindsThePath(String header) {
        Identification id = WITH_KEYS.identify(ALICE_KEY, null, header, null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller().userPath()).isEqualTo("/acme/ml/alice");
    }

    @Test
    void shouldTakeThePathFromTheHeaderForAKeyThatBindsNone() {
        Identification id = WITH_KEYS.identify(BOB_KEY, null, " team//b/ ", "s-1");

        assertThat(id.ok()).isTrue();
        assertThat(id.caller()).isEqualTo(new Caller("/team/b", "bob", "s-1"));
    }

    @Test
    void shouldUseTheClientNameAsStickyIdentityWhenNoPathIsKnown() {
        Identification id = WITH_KEYS.identify(BOB_KEY, null, null, "s-1");

        assertThat(id.caller()).isEqualTo(new Caller(null, "bob", "s-1"));
        assertThat(id.caller().stickyIdentity()).isEqualTo("client:bob");
    }

    @Test
    void shouldPreferTheHostAttributeOverTheHeader() {
        Identification id = OPEN.identify(null, "/host/team", "/header/team", null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller().userPath()).isEqualTo("/host/team");
    }

    @Test
    void shouldTreatABlankHostAttributeAsNoPathLikeABlankHeader() {
        Identification id = OPEN.identify(null, "  ", "/header/team", null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller().userPath()).isEqualTo("/header/team");
    }

    @Test
    void shouldIgnoreAnInvalidHeaderWhenTheHostAttributeSetsThePath() {
        Identification id = OPEN.identify(null, "/host/team", "/../admin", null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller().userPath()).isEqualTo("/host/team");
    }

    @Test
    void shouldNormalizeTheHostAttribute() {
        Identification id = OPEN.identify(null, "host//team/", null, null);

        assertThat(id.caller().userPath()).isEqualTo("/host/team");
    }

    @Test
    void shouldRejectAnInvalidHostAttribute() {
        Identification id = OPEN.identify(null, "/host/../admin", null, null);

        assertThat(id.failure()).isEqualTo(Identification.Failure.INVALID_USER_PATH);
    }

    @Test
    void shouldIgnoreAnUntrustedHeader() {
        Identification id = UNTRUSTED.identify(null, null, "/acme/ml", null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller().userPath()).isNull();
    }

    @Test
    void shouldIgnoreAnInvalidUntrustedHeader() {
        Identification id = UNTRUSTED.identify(null, null, "/acme/../admin", null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller().userPath()).isNull();
    }

    @Test
    void shouldStillTakeTheHostAttributeWhenTheHeaderIsUntrusted() {
        Identification id = UNTRUSTED.identify(null, "/host/team", "/acme/ml", null);

        assertThat(id.caller().userPath()).isEqualTo("/host/team");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/acme/../admin", "..", ".", "/team/./a", "/a:b", ":", "/te\u0001am"})
    void shouldRejectAnInvalidTrustedHeader(String header) {
        Identification id = OPEN.identify(null, null, header, null);

        assertThat(id.ok()).isFalse();
        assertThat(id.caller()).isNull();
        assertThat(id.failure()).isEqualTo(Identification.Failure.INVALID_USER_PATH);
        assertThat(id.message()).startsWith("invalid user path");
    }

    @Test
    void shouldRejectAnInvalidHeaderForAKeyThatBindsNoPath() {
        Identification id = WITH_KEYS.identify(BOB_KEY, null, "/a/../b", null);

        assertThat(id.failure()).isEqualTo(Identification.Failure.INVALID_USER_PATH);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  ", "\t"})
    void shouldTreatAMissingOrBlankHeaderAsNoPath(String header) {
        Identification id = OPEN.identify(null, null, header, null);

        assertThat(id.ok()).isTrue();
        assertThat(id.caller()).isEqualTo(Caller.ANONYMOUS);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  "})
    void shouldTreatAMissingOrBlankSessionAsNone(String session) {
        Identification id = OPEN.identify(null, null, null, session);

        assertThat(id.caller().sessionId()).isNull();
        assertThat(id.caller().stickyIdentity()).isNull();
    }

    @Test
    void shouldPreferPathThenClientThenSessionAsStickyIdentity() {
        assertThat(new Caller("/a", "alice", "s").stickyIdentity()).isEqualTo("path:/a");
        assertThat(new Caller(null, "alice", "s").stickyIdentity()).isEqualTo("client:alice");
        assertThat(new Caller(null, null, "s").stickyIdentity()).isEqualTo("session:s");
        assertThat(Caller.ANONYMOUS.stickyIdentity()).isNull();
    }

    @Test
    void shouldNotPrintTheKeyDigest() {
        assertThat(ALICE.toString()).doesNotContain(ALICE_SHA256).contains("alice");
    }
}
