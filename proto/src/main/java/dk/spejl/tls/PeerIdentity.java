package dk.spejl.tls;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Who is on the other end of a mutual-TLS connection, read from the certificate the hub's CA
 * issued: spokes are {@code CN=<name>,OU=<region>,O=Spejl spoke}, operators
 * {@code CN=<name>,O=Spejl operator}. A spoke's region comes from here, never from what it says.
 */
public record PeerIdentity(Role role, String name, String region, BigInteger serial) {
    public static final String SPOKE_ORGANISATION = "Spejl spoke";
    public static final String OPERATOR_ORGANISATION = "Spejl operator";

    public enum Role { SPOKE, OPERATOR }

    public static String spokeSubject(String name, String region) {
        return "CN=" + Rdn.escapeValue(name) + ",OU=" + Rdn.escapeValue(region) + ",O=" + SPOKE_ORGANISATION;
    }

    public static String operatorSubject(String name) {
        return "CN=" + Rdn.escapeValue(name) + ",O=" + OPERATOR_ORGANISATION;
    }

    /** The identity a certificate carries, or empty if it is not one the hub issues. */
    public static Optional<PeerIdentity> of(X509Certificate certificate) {
        String cn = null;
        String ou = null;
        String o = null;
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                switch (rdn.getType().toUpperCase()) {
                    case "CN" -> cn = String.valueOf(rdn.getValue());
                    case "OU" -> ou = String.valueOf(rdn.getValue());
                    case "O" -> o = String.valueOf(rdn.getValue());
                    default -> { }
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        if (cn == null || o == null) {
            return Optional.empty();
        }
        if (o.equals(SPOKE_ORGANISATION) && ou != null) {
            return Optional.of(new PeerIdentity(Role.SPOKE, cn, ou, certificate.getSerialNumber()));
        }
        if (o.equals(OPERATOR_ORGANISATION)) {
            return Optional.of(new PeerIdentity(Role.OPERATOR, cn, null, certificate.getSerialNumber()));
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return role == Role.SPOKE ? name + "@" + region : name + " (operator)";
    }
}
