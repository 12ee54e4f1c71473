package dev.switchboard.jetty;

import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error pages (a malformed request line, an ambiguous URI, an unexpected exception) in
 * the OpenAI error shape instead of HTML, and never with a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {

    JsonErrorHandler() {
        setShowStacks(false);
        setShowMessageInTitle(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() > 0 ? response.getStatus() : 500;
        String reason = HttpStatus.getMessage(status);
        ErrorResponse error = ApiError.forHttpStatus(status).withStatus(status, reason.toLowerCase(java.util.Locale.ROOT));
        byte[] body = error.body(ErrorPageServlet.anthropicShape(Request.getPathInContext(request)));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
