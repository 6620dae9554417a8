package dk.spejl.spoke.web;

import java.util.List;
import java.util.Optional;

/** The working-copy pages' models: the request form, lists, one request, the grants and the access history. */
public final class AccessPage {
    private AccessPage() {
    }

    public record Form(Frame frame, String recordId, String clientRequestId, String episode, String justification, Optional<String> error) {
    }

    public record Row(String id, String href, String state, String stateText, String recordId, String requester, String updated) {
    }

    public record Listing(Frame frame, String heading, String intro, List<Row> rows, String listId) {
    }

    public record Event(String at, String action, String who, String reason) {
    }

    /** One request: its facts, its history, and the forms this user may use on it. */
    public record One(Frame frame, String id, String state, String stateText, String recordId, String recordHref, String ownerRegion,
                      String requester, String purpose, String episode, String justification, String grantId, String expires,
                      List<Event> history, boolean canDecide, boolean canAmend, boolean canCancel) {
    }

    public record GrantRow(String id, String grantee, String scope, String valid, String madeBy, String reason, boolean revoked,
                           String revokedText) {
    }

    public record Grants(Frame frame, List<GrantRow> grants, List<String> regions, Optional<String> error) {
    }

    public record HistoryRow(String index, String at, String action, String who, String request, String record, String outcome,
                             String proof, String proofText) {
    }

    public record History(Frame frame, String witnessed, Optional<String> alarm, List<HistoryRow> rows) {
    }
}
