"""Products: what an exhibitor lists at its booth."""

from nameko.rpc import rpc

from contracts.errors import Conflict, NotFound
from contracts.rpc.expo import (
    MAX_PRODUCTS,
    ProductChangeSchema,
    ProductIdArgs,
    ProductInputSchema,
    ProductSchema,
)
from plumbing.events import utcnow
from plumbing.schemas import load_args, load_or_invalid
from services.expo.exhibitors import find_exhibitor, hall_changed
from services.expo.models import Product


def find_product(session, exhibitor_id, product_id, removed_too=False):
    """A listed product of this exhibitor (another's is not found)."""
    exhibitor = find_exhibitor(session, exhibitor_id)
    product_id = load_args(ProductIdArgs, product_id=product_id)["product_id"]
    for product in exhibitor.product_rows if removed_too else exhibitor.products:
        if product.id == product_id:
            return product
    raise NotFound("No such product at this booth.")


class ProductRpcs:
    """Mixin for ExpoService: an exhibitor's products."""

    @rpc
    def add_product(self, exhibitor_id, payload):
        fields = load_or_invalid(ProductInputSchema, payload)
        exhibitor = find_exhibitor(self.db, exhibitor_id)
        if len(exhibitor.products) >= MAX_PRODUCTS:
            raise Conflict(f"An exhibitor lists at most {MAX_PRODUCTS} products.")
        product = Product(position=len(exhibitor.product_rows), **fields)
        exhibitor.product_rows.append(product)
        self.db.flush()
        hall_changed(self.db, exhibitor.id, "products")
        return ProductSchema().dump(product)

    @rpc
    def update_product(self, exhibitor_id, product_id, payload):
        fields = load_or_invalid(ProductChangeSchema, payload)
        product = find_product(self.db, exhibitor_id, product_id)
        for name, value in fields.items():
            setattr(product, name, value)
        self.db.flush()
        hall_changed(self.db, product.exhibitor_id, "products")
        return ProductSchema().dump(product)

    @rpc
    def remove_product(self, exhibitor_id, product_id):
        """Take a product off the booth (again is harmless); the downloads that name it
        keep their meaning."""
        product = find_product(self.db, exhibitor_id, product_id, removed_too=True)
        if product.removed_at is None:
            product.removed_at = utcnow()
            hall_changed(self.db, product.exhibitor_id, "products")
