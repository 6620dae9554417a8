package dk.spejl.spoke.http;

/**
 * The few pages written outside the templates (the steps of a sign-on, which carry no frame): bilingual text, every
 * value escaped, under a policy that allows nothing to load.
 */
public final class PlainPage {
    private PlainPage() {
    }

    /** {@code text} safe in HTML content and in a quoted attribute. */
    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    /** A page whose body is {@code body} (already HTML, its values escaped). */
    public static HttpResponse of(int status, String body) {
        return page(status, "", body);
    }

    /**
     * A page that sends the browser on to {@code to} at once (a meta refresh: the navigation is this page's own, so a
     * SameSite=Strict cookie goes with it, and no form-action policy holds it), with a link for a browser that waits.
     */
    public static HttpResponse onwards(String to, String linkId, String linkText) {
        String href = escape(to);
        return page(200, "<meta http-equiv=\"refresh\" content=\"0;url=" + href + "\">",
                "<p><a id=\"" + linkId + "\" href=\"" + href + "\">" + escape(linkText) + "</a></p>");
    }

    private static HttpResponse page(int status, String head, String body) {
        return HttpResponse.text(status, "text/html; charset=utf-8", "<!DOCTYPE html><html lang=\"da\"><head><meta charset=\"utf-8\">" + head
                + "<title>Spejl</title></head><body>" + body + "</body></html>")
                .withHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
}
