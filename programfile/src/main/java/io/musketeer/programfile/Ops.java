package io.musketeer.programfile;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Op;

/**
 * Ops as JSON objects: {@code kind} (the op's record name) and its attributes by their record component
 * names. A constant's values are not here: they live in a binary part, and {@link #constant} rebuilds the
 * op around the tensor read from it.
 */
final class Ops {
  private Ops() {}

  static JsonObject toJson(Op op) {
    JsonObject o = new JsonObject();
    o.addProperty("kind", op.kind());
    switch (op) {
      case Op.Input i -> {
        o.addProperty("name", i.name());
        o.add("shape", ints(i.shape().dims()));
      }
      case Op.Constant c -> o.addProperty("public", c.isPublic());
      case Op.Conv2D c -> {
        o.addProperty("strideH", c.strideH());
        o.addProperty("strideW", c.strideW());
        o.addProperty("padTop", c.padTop());
        o.addProperty("padBottom", c.padBottom());
        o.addProperty("padLeft", c.padLeft());
        o.addProperty("padRight", c.padRight());
        o.addProperty("groups", c.groups());
      }
      case Op.MaxPool m -> o.add("window", window(m.window()));
      case Op.AvgPool a -> {
        o.add("window", window(a.window()));
        o.addProperty("countPadding", a.countPadding());
      }
      case Op.ReduceSum r -> {
        o.add("axes", ints(r.axes()));
        o.addProperty("keepDims", r.keepDims());
      }
      case Op.ReduceMean r -> {
        o.add("axes", ints(r.axes()));
        o.addProperty("keepDims", r.keepDims());
      }
      case Op.Concat c -> o.addProperty("axis", c.axis());
      case Op.Reshape r -> o.add("shape", ints(r.shape().dims()));
      case Op.Pad p -> {
        o.add("before", ints(p.before()));
        o.add("after", ints(p.after()));
      }
      case Op.Transpose t -> o.add("perm", ints(t.perm()));
      case Op.Slice s -> {
        o.add("begin", ints(s.begin()));
        o.add("end", ints(s.end()));
        o.add("stride", ints(s.stride()));
      }
      case Op.ArgMax a -> o.addProperty("axis", a.axis());
      case Op.Truncate t -> o.addProperty("bits", t.bits());
      case Op.MatMul m -> {}
      case Op.Add a -> {}
      case Op.Sub s -> {}
      case Op.Mul m -> {}
      case Op.Neg n -> {}
      case Op.Relu r -> {}
      case Op.Softmax s -> {}
    }
    return o;
  }

  /** The op a JSON object describes (every op but a constant, see {@link #constant}). */
  static Op fromJson(Json o) {
    String kind = o.string("kind");
    return switch (kind) {
      case "Input" -> new Op.Input(o.string("name"), Shape.of(o.ints("shape")));
      case "MatMul" -> new Op.MatMul();
      case "Conv2D" -> new Op.Conv2D(o.integer("strideH"), o.integer("strideW"), o.integer("padTop"), o.integer("padBottom"), o.integer("padLeft"),
          o.integer("padRight"), o.integer("groups"));
      case "Add" -> new Op.Add();
      case "Sub" -> new Op.Sub();
      case "Mul" -> new Op.Mul();
      case "Neg" -> new Op.Neg();
      case "Relu" -> new Op.Relu();
      case "MaxPool" -> new Op.MaxPool(window(o.object("window")));
      case "AvgPool" -> new Op.AvgPool(window(o.object("window")), o.bool("countPadding"));
      case "ReduceSum" -> new Op.ReduceSum(o.ints("axes"), o.bool("keepDims"));
      case "ReduceMean" -> new Op.ReduceMean(o.ints("axes"), o.bool("keepDims"));
      case "Concat" -> new Op.Concat(o.integer("axis"));
      case "Reshape" -> new Op.Reshape(Shape.of(o.ints("shape")));
      case "Pad" -> new Op.Pad(o.ints("before"), o.ints("after"));
      case "Transpose" -> new Op.Transpose(o.ints("perm"));
      case "Slice" -> new Op.Slice(o.ints("begin"), o.ints("end"), o.ints("stride"));
      case "Softmax" -> new Op.Softmax();
      case "ArgMax" -> new Op.ArgMax(o.integer("axis"));
      case "Truncate" -> new Op.Truncate(o.integer("bits"));
      case "Constant" -> throw o.error("a constant's op is rebuilt from its part");
      default -> throw o.error("unknown op kind '" + kind + "' (written by a newer musketeer?)");
    };
  }

  static Op.Constant constant(Json o, FloatTensor value) {
    return new Op.Constant(value, o.bool("public"));
  }

  private static JsonObject window(Op.Window w) {
    JsonObject o = new JsonObject();
    o.addProperty("kh", w.kh());
    o.addProperty("kw", w.kw());
    o.addProperty("strideH", w.strideH());
    o.addProperty("strideW", w.strideW());
    o.addProperty("padTop", w.padTop());
    o.addProperty("padBottom", w.padBottom());
    o.addProperty("padLeft", w.padLeft());
    o.addProperty("padRight", w.padRight());
    return o;
  }

  private static Op.Window window(Json o) {
    return new Op.Window(o.integer("kh"), o.integer("kw"), o.integer("strideH"), o.integer("strideW"), o.integer("padTop"), o.integer("padBottom"),
        o.integer("padLeft"), o.integer("padRight"));
  }

  private static JsonArray ints(int[] v) {
    JsonArray a = new JsonArray();
    for (int x : v) a.add(new JsonPrimitive(x));
    return a;
  }
}
