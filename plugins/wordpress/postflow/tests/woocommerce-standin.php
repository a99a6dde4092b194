<?php
/**
 * A test-only stand-in for WooCommerce (which cannot be installed here): loaded as a mu-plugin by the tests, never
 * shipped. It registers the product post type and its taxonomies as WooCommerce does, and the few functions and
 * WC_Product getters the PostFlow plugin calls, with WooCommerce's documented signatures, reading the post meta
 * WooCommerce itself uses (_price, _regular_price, _sale_price, _sku, _stock_status, _stock, _thumbnail_id,
 * _product_image_gallery).
 *
 * @package PostFlow
 */

add_action(
	'init',
	function () {
		register_post_type(
			'product',
			array(
				'public'       => true,
				'label'        => 'Products',
				'show_in_rest' => true,
				'supports'     => array( 'title', 'editor', 'excerpt', 'thumbnail', 'custom-fields', 'author' ),
			)
		);
		register_taxonomy( 'product_cat', 'product', array( 'hierarchical' => true, 'show_in_rest' => true ) );
		register_taxonomy( 'product_tag', 'product', array( 'hierarchical' => false, 'show_in_rest' => true ) );
		foreach ( array( '_price', '_regular_price', '_sale_price', '_sku', '_stock_status', '_stock', '_product_image_gallery' ) as $key ) {
			register_post_meta(
				'product',
				$key,
				array(
					'type'          => 'string',
					'single'        => true,
					'show_in_rest'  => true,
					'auth_callback' => function ( $allowed, $meta_key, $post_id ) {
						return current_user_can( 'edit_post', $post_id );
					},
				)
			);
		}
	},
	5
);

/**
 * The few WC_Product getters the plugin calls (WooCommerce: includes/abstracts/abstract-wc-product.php).
 */
class WC_Product {
	/** @var int */
	protected $id;

	/** @param int $id The product's post ID. */
	public function __construct( $id ) {
		$this->id = (int) $id;
	}

	/** @return int */
	public function get_id() {
		return $this->id;
	}

	/** @param string $context view|edit. @return string */
	public function get_price( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_price', true );
	}

	/** @param string $context view|edit. @return string */
	public function get_regular_price( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_regular_price', true );
	}

	/** @param string $context view|edit. @return string */
	public function get_sale_price( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_sale_price', true );
	}

	/** @param string $context view|edit. @return string */
	public function get_sku( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_sku', true );
	}

	/** @return bool */
	public function is_in_stock() {
		return 'outofstock' !== get_post_meta( $this->id, '_stock_status', true );
	}

	/** @param string $context view|edit. @return int|null */
	public function get_stock_quantity( $context = 'view' ) {
		$stock = get_post_meta( $this->id, '_stock', true );
		return '' === $stock ? null : (int) $stock;
	}

	/** @param string $context view|edit. @return string */
	public function get_image_id( $context = 'view' ) {
		return (string) get_post_meta( $this->id, '_thumbnail_id', true );
	}

	/** @param string $context view|edit. @return int[] */
	public function get_gallery_image_ids( $context = 'view' ) {
		$ids = (string) get_post_meta( $this->id, '_product_image_gallery', true );
		return array_values( array_filter( array_map( 'absint', explode( ',', $ids ) ) ) );
	}
}

/**
 * WooCommerce: wc_get_product( mixed $the_product = false, array $deprecated = array() ): WC_Product|null|false.
 *
 * @param mixed $the_product Post object, ID or false for the global post.
 * @param array $deprecated  Unused.
 * @return WC_Product|null|false
 */
function wc_get_product( $the_product = false, $deprecated = array() ) {
	$post = get_post( $the_product ? $the_product : null );
	if ( ! $post ) {
		return null;
	}
	return 'product' === $post->post_type ? new WC_Product( $post->ID ) : false;
}

/**
 * WooCommerce: get_woocommerce_currency(): string (the store's currency code).
 *
 * @return string
 */
function get_woocommerce_currency() {
	return (string) get_option( 'woocommerce_currency', 'USD' );
}
