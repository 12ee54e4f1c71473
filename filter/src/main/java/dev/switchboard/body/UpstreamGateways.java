package dev.switchboard.body;

import java.util.List;

/**
 * What upstream gateways (LiteLLM, OpenRouter) read from a request beside {@code model} to pick other models, which
 * the gateway must check or refuse wherever a request reaches them (SPEC section 15): a caller allowed one model of
 * such a provider would reach others through them. None is a field of OpenAI's or Anthropic's APIs.
 */
public final class UpstreamGateways {

    /**
     * Top-level lists of model names: OpenRouter's {@code models} (tried in turn when the model fails) and LiteLLM's
     * client-side {@code fallbacks}, {@code context_window_fallbacks} and {@code content_policy_fallbacks}. In JSON each
     * name is a model field of its own (resolved, checked, rewritten), and a list in any other shape (LiteLLM's maps of a
     * model to its fallbacks, objects with keys and addresses) is refused; where an API has the key itself
     * (Anthropic's {@code fallbacks}, a list of objects), its own shape reads it.
     */
    public static final List<String> NAME_LISTS = List.of("models", "fallbacks", "context_window_fallbacks",
            "content_policy_fallbacks");

    /**
     * Top-level keys with which upstream gateways route in ways no name check covers, refused in any spelling: LiteLLM's
     * {@code user_config} (a router of the caller's own: deployments, addresses, keys), {@code model_list},
     * {@code router_settings_override} (fallbacks among its settings) and a literal {@code extra_body} (merged into the
     * request it sends on: a {@code model} or fallbacks for a LiteLLM behind it), and OpenRouter's {@code preset} (a
     * saved configuration that may name models), and LiteLLM's {@code target_model_names} (the models a managed file,
     * batch or vector store goes to: a comma-separated list), {@code deployment_id} (the Azure deployment it calls
     * instead of the model) and {@code custom_llm_provider} (the provider it sends the model to); SGLang's
     * {@code lora_path} (the LoRA adapter that runs, which operators serve and gate as models).
     */
    public static final List<String> ROUTING = List.of("user_config", "model_list", "router_settings_override",
            "extra_body", "preset", "target_model_names", "deployment_id", "custom_llm_provider", "lora_path");

    /**
     * Models OpenRouter calls beside the request's, named inside a body: its server tools' ({@code openrouter:advisor},
     * {@code openrouter:subagent}, fusion: {@code tools[].parameters.model} and {@code .analysis_models}) and its
     * plugins' (fusion's {@code model} and {@code analysis_models}). Checked as the model is on every JSON route (no
     * OpenAI or Anthropic tool has {@code parameters.model}: a function's parameters are a JSON schema).
     */
    public static final List<String> NESTED_MODELS = List.of("tools[].parameters.model",
            "tools[].parameters.analysis_models[]", "plugins[].model", "plugins[].analysis_models[]");

    /** A plugin's {@code preset} (OpenRouter's fusion plugin takes one: a saved configuration that may name models). */
    public static final List<String> NESTED_ROUTING = List.of("plugins[].preset");

    /** What a refusal says after the key. */
    static final String ROUTING_REFUSED = " is an upstream gateway's routing (models, deployments or addresses of its own)";

    private UpstreamGateways() {
    }

    /**
     * @param shape an endpoint's JSON shape
     * @return it, reading the lists of names and refusing the routing keys at its top level, and reading and refusing the
     *     nested ones
     */
    public static Shape checkedIn(Shape shape) {
        return shape.readingNameLists(NAME_LISTS).reading(NESTED_MODELS).refusing(ROUTING).refusing(NESTED_ROUTING);
    }

    /**
     * @param name a form field's name as a lenient reader files it ({@code fallbacks} of {@code fallbacks[]})
     * @return whether it is one of the lists or routing keys, in any case: a form cannot carry them checked
     */
    public static boolean named(String name) {
        return NAME_LISTS.stream().anyMatch(name::equalsIgnoreCase) || ROUTING.stream().anyMatch(name::equalsIgnoreCase);
    }
}
