package dk.spejl.spoke;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.nimbusds.openid.connect.sdk.SubjectType;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dk.spejl.tls.Pem;
import dk.spejl.tls.TlsFiles;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small OpenID Connect provider on loopback for tests, made with Nimbus: discovery, JWKS, an authorisation endpoint
 * that signs in whoever the test says without asking, and a token endpoint that checks the client, the code and PKCE.
 * A test can make it misbehave: another nonce, audience or signing key, or an expired token.
 */
final class TestOidcProvider implements AutoCloseable {
    static final String CLIENT_ID = "spoke-web";
    static final String CLIENT_SECRET = "oidc-client-secret-1";

    private final HttpsServer server;
    final String issuer;
    final RSAKey key;
    volatile RSAKey signWith;
    volatile String user = "anna";
    volatile Object roles = List.of("clinician");
    volatile String nonceOverride;
    volatile String audienceOverride;
    volatile boolean expired;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();

    private record Grant(String redirectUri, String nonce, String challenge, String user, Object roles) {
    }

    TestOidcProvider(TlsFiles tls) throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
        signWith = key;
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("idp", Pem.readPrivateKey(tls.privateKey()), new char[0], Pem.readCertificates(tls.certificate()));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "test-oidc-provider");
            t.setDaemon(true);
            return t;
        }));
        issuer = "https://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/.well-known/openid-configuration", x -> answer(x, 200, discovery()));
        server.createContext("/jwks", x -> answer(x, 200, new JWKSet(key.toPublicJWK()).toString()));
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.createContext("/logout", this::logout);
        server.start();
    }

    private String discovery() {
        OIDCProviderMetadata md = new OIDCProviderMetadata(new Issuer(issuer), List.of(SubjectType.PUBLIC), URI.create(issuer + "/jwks"));
        md.setAuthorizationEndpointURI(URI.create(issuer + "/authorize"));
        md.setTokenEndpointURI(URI.create(issuer + "/token"));
        md.setIDTokenJWSAlgs(List.of(JWSAlgorithm.RS256));
        md.setCodeChallengeMethods(List.of(CodeChallengeMethod.S256));
        md.setEndSessionEndpointURI(URI.create(issuer + "/logout"));
        md.applyDefaults();
        return md.toJSONObject().toJSONString();
    }

    private void authorize(HttpExchange x) throws IOException {
        Map<String, List<String>> q = URLUtils.parseParameters(x.getRequestURI().getRawQuery());
        if (!CLIENT_ID.equals(first(q, "client_id")) || !"code".equals(first(q, "response_type"))
                || !"S256".equals(first(q, "code_challenge_method")) || first(q, "code_challenge") == null) {
            answer(x, 400, "{\"error\":\"invalid_request\"}");
            return;
        }
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(first(q, "redirect_uri"), first(q, "nonce"), first(q, "code_challenge"), user, roles));
        x.getResponseHeaders().set("Location", first(q, "redirect_uri") + "?code=" + code + "&state="
                + URLEncoder.encode(first(q, "state"), StandardCharsets.UTF_8));
        x.sendResponseHeaders(302, -1);
        x.close();
    }

    private void token(HttpExchange x) throws IOException {
        Map<String, List<String>> form = URLUtils.parseParameters(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        try {
            ClientSecretBasic client = ClientSecretBasic.parse(x.getRequestHeaders().getFirst("Authorization"));
            if (!client.getClientID().getValue().equals(CLIENT_ID) || !client.getClientSecret().getValue().equals(CLIENT_SECRET)) {
                answer(x, 401, "{\"error\":\"invalid_client\"}");
                return;
            }
        } catch (Exception e) {
            answer(x, 401, "{\"error\":\"invalid_client\"}");
            return;
        }
        Grant g = codes.remove(String.valueOf(first(form, "code"))); // a code works once
        String verifier = first(form, "code_verifier");
        if (g == null || !g.redirectUri().equals(first(form, "redirect_uri")) || verifier == null
                || !CodeChallenge.compute(CodeChallengeMethod.S256, new CodeVerifier(verifier)).getValue().equals(g.challenge())) {
            answer(x, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        try {
            Date now = new Date();
            JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject(g.user())
                    .audience(audienceOverride != null ? audienceOverride : CLIENT_ID)
                    .issueTime(expired ? new Date(now.getTime() - 3_600_000) : now)
                    .expirationTime(new Date(now.getTime() + (expired ? -1_800_000 : 300_000)))
                    .claim("nonce", nonceOverride != null ? nonceOverride : g.nonce()).claim("preferred_username", g.user())
                    .claim("roles", g.roles()).build();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signWith.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(signWith));
            answer(x, 200, "{\"access_token\":\"" + UUID.randomUUID() + "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"id_token\":\""
                    + jwt.serialize() + "\"}");
        } catch (Exception e) {
            answer(x, 500, "{\"error\":\"server_error\"}");
        }
    }

    /** The ID token hints the logout endpoint was given, in order. */
    final List<String> loggedOut = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void logout(HttpExchange x) throws IOException {
        Map<String, List<String>> q = URLUtils.parseParameters(x.getRequestURI().getRawQuery());
        loggedOut.add(String.valueOf(first(q, "id_token_hint")));
        x.getResponseHeaders().set("Location", String.valueOf(first(q, "post_logout_redirect_uri")));
        x.sendResponseHeaders(302, -1);
        x.close();
    }

    private static String first(Map<String, List<String>> m, String name) {
        List<String> v = m.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static void answer(HttpExchange x, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.getResponseHeaders().set("Cache-Control", "no-store");
        x.sendResponseHeaders(status, body.length);
        x.getResponseBody().write(body);
        x.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
