package dk.spejl.spoke;

import dk.spejl.config.ConfigFile;
import dk.spejl.config.SpokeSettings;
import dk.spejl.spoke.auth.HeaderLogin;
import dk.spejl.spoke.auth.OidcLogin;
import dk.spejl.spoke.http.HttpLimits;
import dk.spejl.spoke.search.SearchApi;
import dk.spejl.spoke.sync.SyncSettings;
import dk.spejl.tls.TlsFiles;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The spoke's configuration file; every setting is documented in {@link SpokeSettings}. */
public record SpokeConfig(String name, InetSocketAddress hubAddress, String hubAuthority, TlsFiles tls, String rootFingerprint,
                          Path dataDir, InetSocketAddress httpAddress, Duration freshnessWindow, Duration maxClockSkew, boolean syncWrites,
                          HttpLimits httpLimits, SearchApi.CountPolicy counts, Logins logins, TlsFiles httpTls,
                          boolean behindTlsProxy, java.util.Set<java.net.InetAddress> metricsFrom) {

    public static SpokeConfig read(Path file) throws ConfigFile.ConfigException {
        ConfigFile c = ConfigFile.read(file, SpokeSettings.NAMES);
        SpokeConfig read = new SpokeConfig(c.required("spoke.name"), c.address("hub.address", null), c.string("hub.authority", null),
                new TlsFiles(c.requiredPath("tls.certificate"), c.requiredPath("tls.private_key"), c.requiredPath("hub.ca")),
                c.required("hub.root_fingerprint"), c.path("data.dir", "data"),
                c.address("http.address", "127.0.0.1:8080"), c.duration("freshness.window", Duration.ofMinutes(5)),
                c.duration("freshness.max_clock_skew", dk.spejl.verify.HeartbeatVerifier.DEFAULT_MAX_CLOCK_SKEW),
                c.bool("replica.sync_writes", true),
                HttpLimits.DEFAULT.withConnections(c.duration("http.idle_timeout", HttpLimits.DEFAULT.idleTimeout()),
                        c.integer("http.max_connections", HttpLimits.DEFAULT.maxConnections())),
                new SearchApi.CountPolicy(granularity(c.string("search.counts.granularity", "count")),
                        c.integer("search.counts.min_cell", SearchApi.CountPolicy.DEFAULT.minimumCell())),
                logins(c), httpTls(c), c.bool("http.behind_tls_proxy", false),
                addresses("http.metrics_from", c.string("http.metrics_from", "")));
        if (read.logins().header().isPresent() && read.metricsFrom().stream().anyMatch(read.logins().header().get().proxies()::contains)) {
            // Every request through the proxy comes from its address: anyone signed in could read the metrics.
            throw new ConfigFile.ConfigException("http.metrics_from must not name a single sign-on proxy (auth.header.proxies): "
                    + "everyone who comes through it would be let in");
        }
        return read;
    }

    private static OidcLogin.Settings oidc(ConfigFile c) throws ConfigFile.ConfigException {
        try {
            Path secretFile = c.requiredPath("auth.oidc.client_secret_file");
            java.util.Set<java.nio.file.attribute.PosixFilePermission> modes = java.nio.file.Files.getPosixFilePermissions(secretFile);
            if (modes.stream().anyMatch(m -> m.name().startsWith("GROUP") || m.name().startsWith("OTHERS"))) {
                throw new ConfigFile.ConfigException("auth.oidc.client_secret_file: " + secretFile + " is readable by others; chmod 600 it");
            }
            String secret = java.nio.file.Files.readString(secretFile).trim();
            Path ca = c.path("auth.oidc.ca", null);
            return new OidcLogin.Settings(java.net.URI.create(c.required("auth.oidc.issuer")), c.required("auth.oidc.client_id"), secret,
                    java.net.URI.create(c.required("auth.oidc.redirect_uri")), c.string("auth.oidc.role_claim", "roles"),
                    c.string("auth.oidc.user_claim", "sub"),
                    Optional.ofNullable(c.string("auth.oidc.post_logout_redirect_uri", null)).map(java.net.URI::create),
                    ca == null ? Optional.empty() : Optional.of(dk.spejl.spoke.http.HttpTls.trusting(ca)));
        } catch (java.io.IOException e) {
            throw new ConfigFile.ConfigException("auth.oidc: " + e.getMessage());
        }
    }

    /** Comma-separated IP addresses (no host names: the proxy's address is checked, never looked up). */
    private static java.util.Set<java.net.InetAddress> addresses(String key, String list) throws ConfigFile.ConfigException {
        java.util.Set<java.net.InetAddress> out = new java.util.LinkedHashSet<>();
        for (String a : list.split(",")) {
            String address = a.trim();
            if (address.isEmpty()) {
                continue;
            }
            if (!address.matches("\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) { // literals only: nothing is looked up
                throw new ConfigFile.ConfigException(key + ": '" + address + "' is not an IP address");
            }
            try {
                out.add(java.net.InetAddress.getByName(address));
            } catch (java.net.UnknownHostException e) {
                throw new ConfigFile.ConfigException(key + ": '" + address + "' is not an IP address");
            }
        }
        return out;
    }

    /** The HTTP port's certificate and key, both or neither. */
    private static TlsFiles httpTls(ConfigFile c) throws ConfigFile.ConfigException {
        Path certificate = c.path("http.tls.certificate", null);
        Path key = c.path("http.tls.private_key", null);
        if ((certificate == null) != (key == null)) {
            throw new ConfigFile.ConfigException("http.tls.certificate and http.tls.private_key go together: set both, or neither");
        }
        return certificate == null ? null : new TlsFiles(certificate, key, null);
    }

    private static Logins logins(ConfigFile c) throws ConfigFile.ConfigException {
        String mode = c.string("auth.mode", "local");
        try {
            Optional<HeaderLogin.Settings> header = switch (mode) {
                case "local" -> Optional.empty();
                case "header" -> Optional.of(new HeaderLogin.Settings(c.string("auth.header.user", "X-Remote-User"),
                        c.string("auth.header.roles", "X-Remote-Roles"), addresses("auth.header.proxies", c.string("auth.header.proxies", "")),
                        Optional.ofNullable(c.string("auth.header.logout_url", null))));
                case "oidc" -> Optional.empty();
                default -> throw new ConfigFile.ConfigException("auth.mode: expected local, header or oidc, got '" + mode + "'");
            };
            Optional<OidcLogin.Settings> oidc = mode.equals("oidc") ? Optional.of(oidc(c)) : Optional.empty();
            Logins.Mode m = header.isPresent() ? Logins.Mode.HEADER : oidc.isPresent() ? Logins.Mode.OIDC : Logins.Mode.LOCAL;
            return new Logins(m, c.duration("auth.session.idle", Logins.DEFAULT_IDLE), c.duration("auth.session.absolute", Logins.DEFAULT_ABSOLUTE),
                    c.integer("auth.login.concurrent", Logins.DEFAULT_CONCURRENT_HASHES), header, oidc);
        } catch (IllegalArgumentException e) {
            throw new ConfigFile.ConfigException(e.getMessage());
        }
    }

    private static SearchApi.Granularity granularity(String value) throws ConfigFile.ConfigException {
        return switch (value) {
            case "count" -> SearchApi.Granularity.COUNT;
            case "boolean" -> SearchApi.Granularity.BOOLEAN;
            default -> throw new ConfigFile.ConfigException("search.counts.granularity: expected count or boolean, got '" + value + "'");
        };
    }

    /** A spoke builder set up as this file says. */
    public Spoke.Builder toBuilder() {
        return Spoke.builder().name(name).dataDir(dataDir).hub(hubAddress).hubAuthority(hubAuthority)
                .rootFingerprint(rootFingerprint).tls(tls).http(httpAddress)
                .freshnessWindow(freshnessWindow).syncWrites(syncWrites).sync(SyncSettings.DEFAULT.withMaxClockSkew(maxClockSkew))
                .httpLimits(httpLimits).counts(counts).logins(logins).httpTls(httpTls).behindTlsProxy(behindTlsProxy).metricsFrom(metricsFrom);
    }

    public static String documentation() {
        return ConfigFile.documentation(SpokeSettings.NAMES);
    }
}
