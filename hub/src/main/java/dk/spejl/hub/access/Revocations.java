package dk.spejl.hub.access;

import dk.spejl.naming.Identifiers;
import dk.spejl.tls.PeerIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * Spoke names whose certificates the hub no longer accepts. Kept in the catalogue's database, so a
 * revocation survives restarts; a revoked name is not enrolled again (enrol under a new name).
 */
public final class Revocations {
    private static final Logger log = LoggerFactory.getLogger(Revocations.class);

    private final RevocationStore store;
    private final ToIntFunction<String> disconnect;
    private final java.util.function.Predicate<String> enrolled;
    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private final Set<String> operators = ConcurrentHashMap.newKeySet();
    private final java.util.function.Predicate<String> enrolledOperator;
    /** Operators are kept beside spokes under this prefix, which no spoke name can start with. */
    private static final String OPERATOR = "operator:";

    /** What a revocation did. */
    public record Revoked(boolean newly, int streamsClosed) {
    }

    /**
     * @param disconnect ends a spoke's open streams (Watch and object transfers) at once and says how many there were
     */
    public Revocations(RevocationStore store, ToIntFunction<String> disconnect) {
        this(store, disconnect, name -> true, name -> true);
    }

    /**
     * @param enrolled whether a spoke of this name was ever enrolled: a name that was not is refused, so that a
     *                 typing error is not mistaken for a revocation
     */
    public Revocations(RevocationStore store, ToIntFunction<String> disconnect, java.util.function.Predicate<String> enrolled,
                       java.util.function.Predicate<String> enrolledOperator) {
        this.store = store;
        this.disconnect = disconnect;
        this.enrolled = enrolled;
        this.enrolledOperator = enrolledOperator;
        for (String name : store.names()) {
            (name.startsWith(OPERATOR) ? operators : names).add(name.startsWith(OPERATOR) ? name.substring(OPERATOR.length()) : name);
        }
    }

    /**
     * Refuses the spoke from now on: recorded durably first, then its open streams are closed.
     *
     * @param by who asked, for the log
     */
    public Revoked revoke(String name, Object by) throws IOException {
        return revoke(name, by, false);
    }

    /**
     * @param force revoke although the CA's register does not know the name: a certificate issued before the
     *              register was kept, or by a copy of the CA elsewhere, must still be revocable
     */
    public Revoked revoke(String name, Object by, boolean force) throws IOException {
        if (!Identifiers.isSpokeName(name)) {
            throw new IllegalArgumentException("not a spoke name: '" + name + "' (" + Identifiers.SPOKE_NAME_RULE + ")");
        }
        if (!force && !names.contains(name) && !enrolled.test(name)) {
            throw new java.util.NoSuchElementException("no spoke named '" + name + "' was ever enrolled with this hub's CA; nothing was "
                    + "revoked (--force revokes a name enrolled before the CA kept a register, or by a copy of the CA elsewhere)");
        }
        store.revoke(name);
        boolean newly = names.add(name);
        int closed = disconnect.applyAsInt(name);
        log.warn("spoke {} revoked by {}: {} open stream(s) closed; its certificates are refused from now on", name, by, closed);
        return new Revoked(newly, closed);
    }

    /**
     * Refuses an operator certificate from now on. An operator cannot revoke the certificate it calls with: the
     * hub would be left with nobody to revoke it back, or to do anything else.
     *
     * @param caller the operator asking
     * @return whether the name was newly revoked
     */
    public boolean revokeOperator(String name, PeerIdentity caller, boolean force) throws IOException {
        if (!Identifiers.isSpokeName(name)) {
            throw new IllegalArgumentException("not an operator name: '" + name + "' (" + Identifiers.SPOKE_NAME_RULE + ")");
        }
        if (caller.role() == PeerIdentity.Role.OPERATOR && caller.name().equals(name)) {
            throw new IllegalStateException("an operator cannot revoke the certificate it calls with ('" + name
                    + "'); call with another operator's certificate");
        }
        if (!force && !operators.contains(name) && !enrolledOperator.test(name)) {
            throw new java.util.NoSuchElementException("no operator named '" + name + "' was ever enrolled with this hub's CA; nothing was "
                    + "revoked (--force revokes a name enrolled before the CA kept a register, or by a copy of the CA elsewhere)");
        }
        store.revoke(OPERATOR + name);
        boolean newly = operators.add(name);
        log.warn("operator {} revoked by {}: its certificates are refused by the admin service from now on", name, caller);
        return newly;
    }

    public boolean isRevoked(PeerIdentity identity) {
        return switch (identity.role()) {
            case SPOKE -> names.contains(identity.name());
            case OPERATOR -> operators.contains(identity.name());
        };
    }
}
