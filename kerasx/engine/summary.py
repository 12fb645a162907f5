"""`model.summary()`: the layer table in tf.keras 2.x's classic text format (the one printed by
TensorFlow 2.0–2.8 and shown in most tutorials)."""


def _is_sequential_like(model):
    if type(model).__name__ == "Sequential" or not getattr(model, "_is_graph_network", False):
        return True
    seen_layers, seen_parents = set(), set()
    for node in model._nodes_in_order:
        parents = node.parent_nodes
        if len(parents) > 1 or id(node.layer) in seen_layers:
            return False
        seen_layers.add(id(node.layer))
        for p in parents:
            if id(p) in seen_parents:
                return False
            seen_parents.add(id(p))
    return len(model.inputs) == 1 and len(model.outputs) == 1


def _output_shape(layer):
    if type(layer).__name__ == "InputLayer":
        return [layer._batch_input_shape]
    try:
        return layer.output_shape
    except AttributeError:
        return "multiple"


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False):
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        to_display = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        to_display = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions = positions + [line_length]
        to_display = to_display + ["Trainable"]

    def print_row(fields):
        # Keras's rule: each field is cut at its column end and the last character of the cut turned
        # into the separating space ("max_pooling2d_1 (MaxPooling2 (None, ...").
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(field)
            line = line[:positions[i]]
            line += " " * (positions[i] - len(line))
        print_fn(line)

    model_nodes = {id(n) for n in getattr(model, "_nodes_in_order", [])}

    def row_fields(layer):
        if not layer.built and not getattr(layer, "_is_graph_network", False):
            params = "0 (unused)"
        else:
            params = layer.count_params()
        fields = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer), params]
        extra = []
        if not sequential_like:
            connections = []
            for node in layer._inbound_nodes:
                if id(node) not in model_nodes:
                    continue
                for t in node.keras_inputs:
                    parent, node_index, tensor_index = t._keras_history
                    connections.append(f"{parent.name}[{node_index}][{tensor_index}]")
            fields.append(connections[0] if connections else "")
            extra = [["", "", "", c] for c in connections[1:]]
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
            extra = [e + [""] for e in extra]
        return fields, extra

    layers = list(model._tracked_layers) if getattr(model, "_is_graph_network", False) else model.layers
    if type(model).__name__ == "Sequential":
        layers = model.layers
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_row(to_display)
    print_fn("=" * line_length)
    for i, layer in enumerate(layers):
        fields, extra = row_fields(layer)
        print_row(fields)
        for e in extra:
            print_row(e)
        print_fn("=" * line_length if i == len(layers) - 1 else "_" * line_length)
    trainable = sum(w.size for w in model.trainable_weights)
    non_trainable = sum(w.size for w in model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
