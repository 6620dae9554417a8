package dk.spejl.spoke.http;

import dk.spejl.spoke.auth.Caller;

import java.util.Optional;

/**
 * Who may pass: the route table asks this for every request's caller before any handler runs. A route
 * that is not open answers only a known caller; anyone else gets {@link #challenge}.
 */
public interface Gate {
    /** The caller this request proves, if any; or a refusal, such as a login header from an address not trusted to send it. */
    Identity identify(HttpRequest request);

    /** What a request without a known caller gets from a route that needs one: a 401 for the API, the login page for a person. */
    HttpResponse challenge(HttpRequest request);

    /** A caller, none, or a refusal to answer at all. */
    record Identity(Optional<Caller> caller, Optional<HttpResponse> refusal) {
        public static final Identity NONE = new Identity(Optional.empty(), Optional.empty());

        public static Identity of(Caller caller) {
            return new Identity(Optional.of(caller), Optional.empty());
        }

        public static Identity refused(HttpResponse response) {
            return new Identity(Optional.empty(), Optional.of(response));
        }
    }

    /** Every request is {@link Caller#ANONYMOUS}: a spoke built without logins (tests and benchmarks). */
    Gate OPEN = new Gate() {
        @Override
        public Identity identify(HttpRequest request) {
            return Identity.of(Caller.ANONYMOUS);
        }

        @Override
        public HttpResponse challenge(HttpRequest request) {
            throw new IllegalStateException("an open gate challenges no one");
        }
    };
}
