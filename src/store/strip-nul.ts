import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from "kysely";

const strip = (v: unknown) => (typeof v === "string" && v.includes("\0") ? v.replaceAll("\0", "") : v);

class NulTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = strip(node.value);
    return value === node.value ? node : { ...node, value };
  }
  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return node.values.some((v) => v !== strip(v)) ? { ...node, values: node.values.map(strip) } : node;
  }
}

/**
 * PostgreSQL refuses a NUL in text ("invalid byte sequence for encoding UTF8: 0x00") where SQLite
 * stores it. Text is cleaned where it enters Dockhand; this keeps any path that was missed from
 * turning one odd character into a failed request.
 */
export class StripNulPlugin implements KyselyPlugin {
  readonly #transformer = new NulTransformer();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
