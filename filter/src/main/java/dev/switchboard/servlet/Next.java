package dev.switchboard.servlet;

import dev.switchboard.exchange.Exchange;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * What a handler hands the rest of the chain: the request and response to pass on, the exchange as
 * decided, and what to run once the chain returns synchronously ({@code null} for nothing).
 */
record Next(ServletRequest request, ServletResponse response, Exchange exchange, Runnable after) {
}
