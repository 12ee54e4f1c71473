package dev.switchboard.admin;

import java.util.Map;

/**
 * More endpoints under {@code /admin/} (experiments, say), served by {@link AdminServlet} behind its
 * token: it authenticates, routes by {@link #prefix()}, renders what {@link #handle} returns as JSON, and
 * answers an {@link AdminException} in the shape of SPEC section 5. Thread-safe.
 */
public interface AdminExtension {

    /** @return the first path segment it serves, with its slash ({@code /experiments}) */
    String prefix();

    /**
     * @param method the HTTP method; a {@code HEAD} comes as {@code GET} (the servlet sends the answer's headers alone)
     * @param rest the path below the prefix, percent-decoded ({@code ""}, {@code "/smarter"}, {@code "/smarter/reset"})
     * @param query the query parameters (each given once: one given twice is refused with 400 before this is called)
     * @return the JSON view to answer 200 with (records, maps, lists)
     * @throws AdminException to answer an error (404 for nothing there, 405 for a wrong method...)
     */
    Object handle(String method, String rest, Map<String, String> query);
}
