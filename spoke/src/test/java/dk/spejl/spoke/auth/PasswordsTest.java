package dk.spejl.spoke.auth;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Argon2id against RFC 9106's test vector and a PHC string pinned from the reference implementation. */
class PasswordsTest {
    /**
     * Made with Debian's reference {@code argon2} (echo -n password | argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1
     * -l 32 -e): the parameters new hashes get, pinned.
     */
    static final String PINNED = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE";

    @Test
    void argon2idIsRfc9106s() {
        byte[] password = new byte[32];
        java.util.Arrays.fill(password, (byte) 1);
        byte[] salt = new byte[16];
        java.util.Arrays.fill(salt, (byte) 2);
        byte[] secret = new byte[8];
        java.util.Arrays.fill(secret, (byte) 3);
        byte[] additional = new byte[12];
        java.util.Arrays.fill(additional, (byte) 4);
        assertThat(HexFormat.of().formatHex(Passwords.raw(password, salt, secret, additional, 32, 3, 4, 32)))
                .isEqualTo("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    }

    @Test
    void hashesArePhcStringsWithThePinnedParametersAndVerifyOnlyTheirPassword() throws Exception {
        Passwords passwords = new Passwords(2, 10_000);
        assertThat(passwords.verify("password".toCharArray(), PINNED)).isTrue();
        assertThat(passwords.verify("Password".toCharArray(), PINNED)).isFalse();
        String made = passwords.hash("rigshospitalet-2026".toCharArray());
        assertThat(made).matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        assertThat(passwords.hash("rigshospitalet-2026".toCharArray())).as("a fresh salt each time").isNotEqualTo(made);
        assertThat(passwords.verify("rigshospitalet-2026".toCharArray(), made)).isTrue();
        assertThat(passwords.verify("rigshospitalet-2025".toCharArray(), made)).isFalse();
        assertThat(Passwords.outdated(made)).isFalse();
        assertThat(Passwords.outdated(made.replace("m=19456,t=2", "m=4096,t=1"))).isTrue();
        // Not such a hash, or one that asks for absurd work: false, without computing.
        for (String bad : List.of("", "plain", PINNED.replace("argon2id", "argon2i"), PINNED.replace("m=19456", "m=9999999"),
                PINNED.replace("t=2", "t=900"), PINNED.replace("v=19", "v=16"), PINNED + "$extra",
                PINNED.replace("c29tZXNhbHRzb21lc2FsdA", "c29tZXNhbHRzb"))) { // base64 of no possible length
            assertThat(passwords.verify("password".toCharArray(), bad)).as(bad).isFalse();
        }
    }

    @Test
    void aBurstOfLoginsWaitsForTheSemaphoreAndIsToldWhenItWaitedTooLong() throws Exception {
        Passwords passwords = new Passwords(1, 1);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger verified = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    if (passwords.verify("password".toCharArray(), PINNED)) {
                        verified.incrementAndGet();
                    }
                } catch (Passwords.Busy e) {
                    busy.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        // One hash at a time, each far longer than the 1 ms the others wait.
        assertThat(verified.get()).isGreaterThanOrEqualTo(1);
        assertThat(busy.get()).isGreaterThanOrEqualTo(1);
        assertThat(verified.get() + busy.get()).isEqualTo(4);
    }
}
